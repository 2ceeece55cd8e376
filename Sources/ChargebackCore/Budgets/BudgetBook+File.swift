import FoundationEssentials

extension BudgetBook {
    /// Reads and validates `config/budgets.json`. Every refusal names the place: a wrong schema
    /// version, currency or zone; a malformed, duplicate or over-long id; an unknown scope or channel
    /// kind; an amount that is not a positive decimal of at most six places; thresholds outside
    /// 1…1000 or not strictly ascending; a channel reference to no channel; an environment variable
    /// name that is not `[A-Z][A-Z0-9_]*`; a secret on a non-generic channel; rule values out of range.
    public static func load(_ bytes: [UInt8]) throws(ConfigurationFileError) -> BudgetBook {
        let file: BudgetBookFile
        do {
            file = try JSONDecoder().decode(KnownMembers<BudgetBookFile>.self, from: Data(bytes)).entry
        } catch let error as ConfigurationFileError {
            throw error
        } catch {
            throw ConfigurationFileError("budget book: not valid JSON of the documented shape (\(DecodingErrorText.describe(error)))")
        }
        guard file.schemaVersion == 1 else { throw ConfigurationFileError("budget book: schemaVersion must be 1") }
        guard file.currency.count == 3, file.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ConfigurationFileError("budget book: currency '\(file.currency)' must be an ISO 4217 code such as USD")
        }
        let timeZone = file.timeZone ?? "UTC"
        guard !timeZone.isEmpty, timeZone.count <= 64, timeZone.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) }) else {
            throw ConfigurationFileError("budget book: timeZone '\(timeZone)' must be an IANA zone name such as Europe/Paris")
        }
        let channels = try readChannels(file.channels?.map(\.entry) ?? [])
        let known = Set(channels.map(\.id))
        let defaults = file.defaults?.entry
        let defaultThresholds = try BudgetRules.thresholds(defaults?.thresholds.map { $0.map(\.value) } ?? [50, 80, 100], at: "defaults.thresholds")
        let defaultForecast = try BudgetRules.forecastThreshold(defaults?.forecastThreshold.map { $0?.value } ?? 100, at: "defaults.forecastThreshold")
        var budgets: [Budget] = []
        for (position, wrapped) in file.budgets.enumerated() {
            let budget = try readBudget(wrapped.entry, at: "budgets[\(position)]", channels: known,
                                        defaults: (defaultThresholds, defaultForecast))
            guard !budgets.contains(where: { $0.id == budget.id }) else {
                throw ConfigurationFileError("budget book: budgets[\(position)] ('\(budget.id)'): id appears twice")
            }
            budgets.append(budget)
        }
        return BudgetBook(timeZone: timeZone, currency: file.currency, budgets: budgets,
                          anomaly: try file.anomaly.map { wrapped throws(ConfigurationFileError) in
                              try BudgetRules.anomaly(wrapped.entry, channels: known, currency: file.currency)
                          },
                          errorRate: try file.errorRate.map { wrapped throws(ConfigurationFileError) in
                              try BudgetRules.errorRate(wrapped.entry, channels: known)
                          },
                          channels: channels)
    }

    private static func readBudget(_ entry: BudgetBookFile.BudgetEntry, at place: String, channels: Set<String>,
                                   defaults: (thresholds: [Int], forecast: Int?)) throws(ConfigurationFileError) -> Budget {
        guard BudgetRules.isIdentifier(entry.id) else {
            throw ConfigurationFileError("budget book: \(place).id: '\(entry.id)' must be 1 to 64 of a-z, 0-9, '.', '_', '-'")
        }
        let named = "\(place) ('\(entry.id)')"
        guard let scope = Budget.Scope(rawValue: entry.scope) else {
            throw ConfigurationFileError("budget book: \(named).scope: '\(entry.scope)' must be subscription or costCenter")
        }
        guard !entry.target.isEmpty else { throw ConfigurationFileError("budget book: \(named).target: must not be empty") }
        let amount = try BudgetRules.decimal(entry.monthlyAmount.text, at: "\(named).monthlyAmount")
        guard amount > .zero else { throw ConfigurationFileError("budget book: \(named).monthlyAmount: must be more than 0") }
        var thresholds = defaults.thresholds
        if let own = entry.thresholds { thresholds = try BudgetRules.thresholds(own.map(\.value), at: "\(named).thresholds") }
        // Absent inherits the default; null switches the forecast alert off.
        let forecast = entry.forecastThreshold.map { $0?.value } ?? defaults.forecast
        return Budget(id: entry.id, scope: scope, target: entry.target, monthlyAmount: amount, thresholds: thresholds,
                      forecastThreshold: try BudgetRules.forecastThreshold(forecast, at: "\(named).forecastThreshold"),
                      isHardLimit: entry.hardLimit ?? false,
                      channels: try BudgetRules.references(entry.channels ?? [], known: channels, at: "\(named).channels"))
    }

    private static func readChannels(_ entries: [BudgetBookFile.ChannelEntry]) throws(ConfigurationFileError) -> [AlertChannel] {
        var channels: [AlertChannel] = []
        for (position, entry) in entries.enumerated() {
            let place = "channels[\(position)]"
            guard BudgetRules.isIdentifier(entry.id) else {
                throw ConfigurationFileError("budget book: \(place).id: '\(entry.id)' must be 1 to 64 of a-z, 0-9, '.', '_', '-'")
            }
            let named = "\(place) ('\(entry.id)')"
            guard !channels.contains(where: { $0.id == entry.id }) else { throw ConfigurationFileError("budget book: \(named): id appears twice") }
            guard let kind = AlertChannel.Kind(rawValue: entry.kind) else {
                throw ConfigurationFileError("budget book: \(named).kind: '\(entry.kind)' must be generic, teams or slack")
            }
            try BudgetRules.environmentVariable(entry.urlFromEnvironment, at: "\(named).urlFromEnvironment")
            if let secret = entry.secretFromEnvironment {
                guard kind == .generic else {
                    throw ConfigurationFileError("budget book: \(named).secretFromEnvironment: only generic channels are signed; \(kind.rawValue) webhooks carry their secret in the URL")
                }
                try BudgetRules.environmentVariable(secret, at: "\(named).secretFromEnvironment")
            }
            channels.append(AlertChannel(id: entry.id, kind: kind, urlEnvironmentVariable: entry.urlFromEnvironment,
                                         secretEnvironmentVariable: entry.secretFromEnvironment))
        }
        return channels
    }
}
