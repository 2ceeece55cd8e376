/// `config/budgets.json` as written: a typed projection, validated by `BudgetBook.load`.
/// Amounts and ratios are decimal text (`"500.00"`) or JSON numbers, read as `PriceText`. Every
/// object is `KnownMembers`: a member the format does not define is refused (see `KnownMembers.swift`).
struct BudgetBookFile: BudgetFileObject {
    var schemaVersion: Int
    var timeZone: String?
    var currency: String
    var defaults: KnownMembers<Defaults>?
    var budgets: [KnownMembers<BudgetEntry>]
    var anomaly: KnownMembers<AnomalyEntry>?
    var errorRate: KnownMembers<ErrorRateEntry>?
    var channels: [KnownMembers<ChannelEntry>]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, timeZone, currency, defaults, budgets, anomaly, errorRate, channels
    }

    /// A decoding path as refusals name it: `budgets[1].thresholds[0]`, `anomaly`, `the document`.
    static func place(_ path: [any CodingKey]) -> String {
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "the document" : text)
    }

    /// Thresholds for budgets that do not set their own.
    struct Defaults: BudgetFileObject {
        var thresholds: [WholeNumber]?
        /// nil when absent (the built-in default applies); `.some(nil)` when null (no forecast alert).
        var forecastThreshold: WholeNumber??

        enum CodingKeys: String, CodingKey, CaseIterable {
            case thresholds, forecastThreshold
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            thresholds = try container.decodeIfPresent([WholeNumber].self, forKey: .thresholds)
            forecastThreshold = try container.decodeKeepingNull(WholeNumber.self, forKey: .forecastThreshold)
        }
    }

    struct BudgetEntry: BudgetFileObject {
        var id: String
        var scope: String
        var target: String
        var monthlyAmount: PriceText
        var thresholds: [WholeNumber]?
        /// nil when absent (the book's default applies); `.some(nil)` when null (no forecast alert).
        var forecastThreshold: WholeNumber??
        var hardLimit: Bool?
        var channels: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, scope, target, monthlyAmount, thresholds, forecastThreshold, hardLimit, channels
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            scope = try container.decode(String.self, forKey: .scope)
            target = try container.decode(String.self, forKey: .target)
            monthlyAmount = try container.decode(PriceText.self, forKey: .monthlyAmount)
            thresholds = try container.decodeIfPresent([WholeNumber].self, forKey: .thresholds)
            forecastThreshold = try container.decodeKeepingNull(WholeNumber.self, forKey: .forecastThreshold)
            hardLimit = try container.decodeIfPresent(Bool.self, forKey: .hardLimit)
            channels = try container.decodeIfPresent([String].self, forKey: .channels)
        }
    }

    struct AnomalyEntry: BudgetFileObject {
        var factor: PriceText
        var trailingDays: WholeNumber
        var minimumDailyCost: PriceText?
        var minimumHistoryDays: WholeNumber?
        var channels: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case factor, trailingDays, minimumDailyCost, minimumHistoryDays, channels
        }
    }

    struct ErrorRateEntry: BudgetFileObject {
        var threshold: PriceText
        var minimumRequests: WholeNumber
        var channels: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case threshold, minimumRequests, channels
        }
    }

    struct ChannelEntry: BudgetFileObject {
        var id: String
        var kind: String
        var urlFromEnvironment: String
        var secretFromEnvironment: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, kind, urlFromEnvironment, secretFromEnvironment
        }
    }
}

extension KeyedDecodingContainer {
    /// nil when `key` is absent, `.some(nil)` when it is null, the value otherwise: a setting that
    /// is switched off by null must not fall back to its default.
    fileprivate func decodeKeepingNull<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(type, forKey: key))
    }
}
