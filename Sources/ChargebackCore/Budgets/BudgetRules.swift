/// The checks `BudgetBook.load` applies to single values; each refusal names `place`.
enum BudgetRules {
    /// 1 to 64 of `a-z 0-9 . _ -`: safe inside once-keys and log metadata.
    static func isIdentifier(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { $0 &- 0x61 < 26 || $0 &- 0x30 < 10 || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `[A-Z][A-Z0-9_]*`, at most 128 characters.
    static func environmentVariable(_ name: String, at place: String) throws(ConfigurationFileError) {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, first &- 0x41 < 26, bytes.count <= 128,
              bytes.allSatisfy({ $0 &- 0x41 < 26 || $0 &- 0x30 < 10 || $0 == UInt8(ascii: "_") }) else {
            throw ConfigurationFileError("budget book: \(place): '\(name)' is not an environment variable name ([A-Z][A-Z0-9_]*)")
        }
    }

    /// Percentages 1…1000, strictly ascending, at least one.
    static func thresholds(_ list: [Int], at place: String) throws(ConfigurationFileError) -> [Int] {
        guard !list.isEmpty else { throw ConfigurationFileError("budget book: \(place): must list at least one percentage") }
        for value in list where !(1...1000).contains(value) {
            throw ConfigurationFileError("budget book: \(place): \(value) is outside 1…1000")
        }
        for (earlier, later) in zip(list, list.dropFirst()) where later <= earlier {
            throw ConfigurationFileError("budget book: \(place): must be strictly ascending (\(later) after \(earlier))")
        }
        return list
    }

    /// A percentage 1…1000, or nil for no forecast alert.
    static func forecastThreshold(_ value: Int?, at place: String) throws(ConfigurationFileError) -> Int? {
        guard let value else { return nil }
        guard (1...1000).contains(value) else { throw ConfigurationFileError("budget book: \(place): \(value) is outside 1…1000 (null for none)") }
        return value
    }

    /// A non-negative decimal of at most six places and twelve whole digits, read exactly.
    static func decimal(_ text: String, at place: String) throws(ConfigurationFileError) -> Money {
        guard let value = Money(exactText: text) else { throw ConfigurationFileError("budget book: \(place): '\(text)' is not a decimal number") }
        guard value >= .zero else { throw ConfigurationFileError("budget book: \(place): '\(text)' is negative") }
        guard value.picos % 1_000_000 == 0 else { throw ConfigurationFileError("budget book: \(place): '\(text)' has more than 6 decimal places") }
        guard value.picos < 1_000_000_000_000 * 1_000_000_000_000 else { throw ConfigurationFileError("budget book: \(place): '\(text)' is too large") }
        return value
    }

    /// Channel ids that exist in the book, each listed once.
    static func references(_ ids: [String], known: Set<String>, at place: String) throws(ConfigurationFileError) -> [String] {
        for (position, id) in ids.enumerated() {
            guard known.contains(id) else { throw ConfigurationFileError("budget book: \(place)[\(position)]: no channel has id '\(id)'") }
            guard !ids[..<position].contains(id) else { throw ConfigurationFileError("budget book: \(place)[\(position)]: channel '\(id)' is listed twice") }
        }
        return ids
    }

    static func anomaly(_ entry: BudgetBookFile.AnomalyEntry, channels: Set<String>, currency: String) throws(ConfigurationFileError) -> AnomalyDetector {
        let factor = try decimal(entry.factor.text, at: "anomaly.factor")
        guard factor.picos > 1_000_000_000_000, factor.picos <= 1_000_000_000_000_000 else {
            throw ConfigurationFileError("budget book: anomaly.factor: '\(entry.factor.text)' must be more than 1 and at most 1000")
        }
        guard (3...60).contains(entry.trailingDays.value) else {
            throw ConfigurationFileError("budget book: anomaly.trailingDays: \(entry.trailingDays.value) is outside 3…60")
        }
        let minimum = try entry.minimumDailyCost.map { text throws(ConfigurationFileError) in
            try decimal(text.text, at: "anomaly.minimumDailyCost")
        } ?? .zero
        let history = entry.minimumHistoryDays?.value ?? min(7, entry.trailingDays.value)
        guard (0...entry.trailingDays.value).contains(history) else {
            throw ConfigurationFileError("budget book: anomaly.minimumHistoryDays: \(history) is outside 0…trailingDays (\(entry.trailingDays.value))")
        }
        return AnomalyDetector(factorMicros: Int64(factor.picos / 1_000_000), trailingDays: entry.trailingDays.value, minimumDailyCost: minimum,
                               minimumHistoryDays: history,
                               channels: try references(entry.channels ?? [], known: channels, at: "anomaly.channels"), currency: currency)
    }

    static func errorRate(_ entry: BudgetBookFile.ErrorRateEntry, channels: Set<String>) throws(ConfigurationFileError) -> ErrorRateCheck {
        let threshold = try decimal(entry.threshold.text, at: "errorRate.threshold")
        guard threshold > .zero, threshold.picos <= 1_000_000_000_000 else {
            throw ConfigurationFileError("budget book: errorRate.threshold: '\(entry.threshold.text)' must be more than 0 and at most 1")
        }
        guard entry.minimumRequests.value >= 1 else {
            throw ConfigurationFileError("budget book: errorRate.minimumRequests: \(entry.minimumRequests.value) must be at least 1")
        }
        return ErrorRateCheck(thresholdMicros: Int64(threshold.picos / 1_000_000), minimumRequests: Int64(entry.minimumRequests.value),
                              channels: try references(entry.channels ?? [], known: channels, at: "errorRate.channels"))
    }
}
