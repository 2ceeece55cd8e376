import CivilCalendar
import FoundationEssentials

/// Why a price book or cost-center file was refused: where, and what is wrong.
public struct ConfigurationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension PriceBook {
    /// Deployment types Azure OpenAI offers (`deployment-types.md`).
    public static let deploymentTypes: Set<String> = [
        "GlobalStandard", "DataZoneStandard", "Standard", "GlobalBatch", "DataZoneBatch", "GlobalProvisionedManaged",
        "DataZoneProvisionedManaged", "ProvisionedManaged", "DeveloperTier",
    ]

    /// Reads and validates a price book file (docs/price-book.md): unknown fields or meters,
    /// negative or over-precise prices, overlapping versions and unknown deployment types are refused.
    public static func load(json bytes: [UInt8]) throws(ConfigurationFileError) -> PriceBook {
        let file: PriceBookFile
        do {
            file = try JSONDecoder().decode(PriceBookFile.self, from: Data(bytes))
        } catch let error as ConfigurationFileError {
            throw error
        } catch {
            throw ConfigurationFileError("price book: not valid JSON of the documented shape (\(DecodingErrorText.describe(error)))")
        }
        guard file.schemaVersion == 1 else { throw ConfigurationFileError("price book: schemaVersion must be 1") }
        guard file.currency.count == 3, file.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ConfigurationFileError("price book: currency '\(file.currency)' must be an ISO 4217 code such as USD")
        }
        var deployments: [String: DeploymentInfo] = [:]
        for (name, entry) in file.deployments {
            guard !name.isEmpty, !entry.model.isEmpty else { throw ConfigurationFileError("price book: deployments.\(name): model is required") }
            guard deploymentTypes.contains(entry.deploymentType) else {
                throw ConfigurationFileError("price book: deployments.\(name): unknown deploymentType '\(entry.deploymentType)' (one of \(deploymentTypes.sorted().joined(separator: ", ")))")
            }
            deployments[name] = DeploymentInfo(model: entry.model, modelVersion: entry.modelVersion, deploymentType: entry.deploymentType, region: entry.region)
        }
        var sets: [PriceSet] = []
        for (position, entry) in file.prices.enumerated() {
            sets.append(try entry.priceSet(at: "prices[\(position)]"))
        }
        try checkOverlaps(sets)
        var provisioned: [Provisioning] = []
        for (position, entry) in (file.provisioned ?? []).enumerated() {
            provisioned.append(try entry.provisioning(at: "provisioned[\(position)]", deployments: deployments))
        }
        try checkOverlaps(provisioned)
        return PriceBook(currency: file.currency, name: file.name ?? "price book", isIllustrative: file.illustrative ?? false,
                         deployments: deployments, priceSets: sets, provisioned: provisioned)
    }

    /// Two sets for the same model, type, version and region must not be in force on the same day.
    static func checkOverlaps(_ sets: [PriceSet]) throws(ConfigurationFileError) {
        try checkOverlaps(sets, what: "versions", group: { [$0.model, $0.deploymentType, $0.modelVersion ?? "*", $0.region ?? "*"].joined(separator: "|") },
                          period: { ($0.effectiveFrom, $0.effectiveTo, $0.version) })
    }

    /// Entries of one group (by `group`) in force on the same day are refused, naming both.
    static func checkOverlaps<Entry>(_ entries: [Entry], what: String, group: (Entry) -> String,
                                     period: (Entry) -> (from: CivilDay, to: CivilDay?, label: String)) throws(ConfigurationFileError) {
        for members in Dictionary(grouping: entries, by: group).values {
            let ordered = members.map(period).sorted { $0.from < $1.from }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) where earlier.to.map({ $0 > later.from }) ?? true {
                throw ConfigurationFileError("price book: \(what) '\(earlier.label)' and '\(later.label)' overlap; give the earlier one an effectiveTo on or before \(later.from)")
            }
        }
    }
}

/// The price book file as written (typed projection; see docs/price-book.md).
struct PriceBookFile: Decodable {
    /// `effectiveFrom` (included) and `effectiveTo` (excluded, after it) as days, or why not.
    static func period(_ effectiveFrom: String, _ effectiveTo: String?, at location: String) throws(ConfigurationFileError) -> (CivilDay, CivilDay?) {
        guard let from = CivilDay.parse(effectiveFrom) else {
            throw ConfigurationFileError("price book: \(location): effectiveFrom '\(effectiveFrom)' is not a YYYY-MM-DD date")
        }
        guard let effectiveTo else { return (from, nil) }
        guard let to = CivilDay.parse(effectiveTo), to > from else {
            throw ConfigurationFileError("price book: \(location): effectiveTo '\(effectiveTo)' must be a YYYY-MM-DD date after effectiveFrom")
        }
        return (from, to)
    }

    var schemaVersion: Int
    var name: String?
    var currency: String
    var illustrative: Bool?
    var notice: String?
    var deployments: [String: DeploymentEntry]
    var prices: [PriceEntry]
    var provisioned: [ProvisionedEntry]?

    enum CodingKeys: String, CodingKey {
        case schemaVersion, name, currency, illustrative, notice, deployments, prices, provisioned
    }

    struct DeploymentEntry: Decodable {
        var model: String
        var modelVersion: String?
        var deploymentType: String
        var region: String?

        enum CodingKeys: String, CodingKey {
            case model, modelVersion, deploymentType, region
        }
    }

    struct PriceEntry: Decodable {
        var model: String
        var deploymentType: String
        var modelVersion: String?
        var region: String?
        var effectiveFrom: String
        var effectiveTo: String?
        var version: String?
        var perMillionTokens: [String: PriceText]?
        var perImage: [String: PriceText]?
        var perAudioMinute: PriceText?
        var perMillionCharacters: PriceText?

        enum CodingKeys: String, CodingKey {
            case model, deploymentType, modelVersion, region, effectiveFrom, effectiveTo, version
            case perMillionTokens, perImage, perAudioMinute, perMillionCharacters
        }

        func priceSet(at location: String) throws(ConfigurationFileError) -> PriceSet {
            guard !model.isEmpty else { throw ConfigurationFileError("price book: \(location): model is required") }
            guard PriceBook.deploymentTypes.contains(deploymentType) else {
                throw ConfigurationFileError("price book: \(location): unknown deploymentType '\(deploymentType)'")
            }
            let (from, to) = try PriceBookFile.period(effectiveFrom, effectiveTo, at: location)
            let label = version ?? [model, deploymentType, modelVersion, region].compactMap { $0 }.joined(separator: "/") + "@\(from)"
            var prices: [BillingMeter: Int64] = [:]
            for (name, text) in perMillionTokens ?? [:] {
                guard let meter = BillingMeter(name: name), BillingMeter.tokenMeters.contains(meter) else {
                    let known = BillingMeter.tokenMeters.map(\.name).joined(separator: ", ")
                    throw ConfigurationFileError("price book: \(location).perMillionTokens: unknown meter '\(name)' (known: \(known))")
                }
                prices[meter] = try text.micros(at: "\(location).perMillionTokens.\(name)")
            }
            if let perAudioMinute { prices[.audio] = try perAudioMinute.micros(at: "\(location).perAudioMinute") }
            if let perMillionCharacters { prices[.characters] = try perMillionCharacters.micros(at: "\(location).perMillionCharacters") }
            var imagePrices: [String: Int64] = [:]
            for (key, text) in perImage ?? [:] {
                let parts = key.split(separator: ":", omittingEmptySubsequences: false)
                guard key == "*" || (1...2).contains(parts.count) && parts.allSatisfy({ !$0.isEmpty && !$0.contains("|") }) else {
                    throw ConfigurationFileError("price book: \(location).perImage: key '\(key)' must be size:quality, size or *")
                }
                imagePrices[key] = try text.micros(at: "\(location).perImage.\(key)")
            }
            guard !prices.isEmpty || !imagePrices.isEmpty else { throw ConfigurationFileError("price book: \(location): prices nothing") }
            return PriceSet(model: model, deploymentType: deploymentType, modelVersion: modelVersion, region: region, effectiveFrom: from,
                            effectiveTo: to, version: label, prices: prices, imagePrices: imagePrices)
        }
    }
}

/// A price as written: decimal text (`"2.50"`) or a JSON number (read through its shortest decimal form).
struct PriceText: Decodable {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            text = "\(try container.decode(Double.self))"
        }
    }

    func micros(at location: String) throws(ConfigurationFileError) -> Int64 {
        do {
            return try DecimalText.micros(text)
        } catch {
            throw ConfigurationFileError("price book: \(location): price '\(text)' \(error)")
        }
    }
}
