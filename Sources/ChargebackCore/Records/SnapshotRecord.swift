import CivilCalendar
import FoundationEssentials

/// One snapshot revision as it is archived: its summary (with the change from the previous
/// revision) and its lines with exact costs, as JSON with sorted keys, so the same revision always
/// gives the same bytes. Enough to rebuild the revision in an empty Redis (`chargeback restore`).
public struct SnapshotRecord: Sendable, Equatable {
    public static let format = "chargeback.snapshot-revision.v1"

    public var day: CivilDay
    public var revision: Int
    public var summary: SnapshotSummary
    /// In display order.
    public var lines: [ChargeLine]

    public init(day: CivilDay, revision: Int, summary: SnapshotSummary, lines: [ChargeLine]) {
        self.day = day
        self.revision = revision
        self.summary = summary
        self.lines = lines.sorted(by: ChargeLine.order)
    }

    /// `snapshots/2026/11/29/revision-000002.json`.
    public static func name(_ day: CivilDay, revision: Int) -> String {
        "snapshots/\(RecordNames.dayPath(day))/revision-\(RecordNames.padded(revision)).json"
    }

    /// The JSON bytes (sorted keys, exact amounts as text).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Document(self)))
    }

    /// Reads and checks a record: its format, that it is the day and revision its name says, and
    /// that its costs are what its prices give (a record altered by hand is refused, not restored).
    public static func decode(_ bytes: [UInt8], name: String) throws(RecordError) -> SnapshotRecord {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw RecordError(name, "is not a snapshot record: \(error)")
        }
        guard document.format == format else { throw RecordError(name, "has format '\(document.format)', not \(format)") }
        guard let day = CivilDay.parse(document.day), document.revision >= 1 else { throw RecordError(name, "has no valid day and revision") }
        guard self.name(day, revision: document.revision) == name else {
            throw RecordError(name, "holds \(document.day) revision \(document.revision), not what its name says")
        }
        guard document.summary.day == document.day, document.summary.revision == document.revision else {
            throw RecordError(name, "has a summary of another day or revision")
        }
        var lines: [ChargeLine] = []
        lines.reserveCapacity(document.lines.count)
        for (index, line) in document.lines.enumerated() {
            lines.append(try line.chargeLine(record: name, index: index))
        }
        // Every figure of the summary that the lines determine is derived again and compared: a record
        // altered by hand anywhere but in its free text is refused.
        let derived = SnapshotSummary(day: document.day, revision: document.revision, createdAt: "", reason: "", currency: "", priceBook: "",
                                      lines: lines, unpriced: [], delta: nil)
        guard derived.cost == document.summary.cost, derived.lines == document.summary.lines,
              derived.unpricedLines == document.summary.unpricedLines, derived.costByCostCenter == document.summary.costByCostCenter,
              derived.unpricedLinesByCostCenter == document.summary.unpricedLinesByCostCenter else {
            throw RecordError(name, "has lines that do not add up to its summary (\(document.summary.cost), \(document.summary.lines) lines)")
        }
        return SnapshotRecord(day: day, revision: document.revision, summary: document.summary, lines: lines)
    }

    struct Document: Codable {
        var format: String
        var day: String
        var revision: Int
        var summary: SnapshotSummary
        var lines: [Line]

        init(_ record: SnapshotRecord) {
            format = SnapshotRecord.format
            day = record.day.description
            revision = record.revision
            summary = record.summary
            lines = record.lines.map(Line.init)
        }
    }

    /// A line with its key spelled out; `cost` is redundant (quantity × price) and checked on reading.
    struct Line: Codable {
        var costCenter: String
        var subscription: String
        var deployment: String
        var model: String
        var meter: String
        var unit: String
        var quantity: Int64
        var priceVersion: String?
        /// Millionths of the currency per `unit`.
        var priceMicros: Int64?
        var cost: String?

        init(_ line: ChargeLine) {
            costCenter = line.key.costCenter
            subscription = line.key.subscription
            deployment = line.key.deployment
            model = line.key.model
            meter = line.key.meter
            unit = line.key.unit.rawValue
            quantity = line.quantity
            priceVersion = line.key.price?.version
            priceMicros = line.key.price?.micros
            cost = line.cost?.exactText
        }

        func chargeLine(record: String, index: Int) throws(RecordError) -> ChargeLine {
            guard let pricingUnit = PricingUnit(rawValue: unit) else { throw RecordError(record, "line \(index + 1): unit '\(unit)' is unknown") }
            var price: LinePrice?
            switch (priceVersion, priceMicros) {
            case let (version?, micros?): price = LinePrice(version: version, micros: micros, unit: pricingUnit)
            case (nil, nil): price = nil
            default: throw RecordError(record, "line \(index + 1): a price needs both its version and its amount")
            }
            guard quantity > 0 else { throw RecordError(record, "line \(index + 1): quantity \(quantity) is not positive") }
            let line = ChargeLine(key: ChargeKey(costCenter: costCenter, subscription: subscription, deployment: deployment, model: model,
                                                 meter: meter, unit: pricingUnit, price: price), quantity: quantity)
            guard line.cost?.exactText == cost else { throw RecordError(record, "line \(index + 1): cost \(cost ?? "null") is not quantity × price") }
            return line
        }
    }
}

/// The archive's layout, one folder per UTC day.
public enum RecordNames {
    /// `2026/11/29`.
    public static func dayPath(_ day: CivilDay) -> String {
        let text = day.description
        return text.split(separator: "-").joined(separator: "/")
    }

    /// `snapshots/2026/11/`: every revision of a month.
    public static func snapshotPrefix(_ month: CivilMonth) -> String {
        "snapshots/" + month.description.split(separator: "-").joined(separator: "/") + "/"
    }

    /// `exports/2026/11/`: every export of a month.
    public static func exportPrefix(_ month: CivilMonth) -> String {
        "exports/" + month.description.split(separator: "-").joined(separator: "/") + "/"
    }

    /// `focus/20261101-20261130/`: the FOCUS files of one billing period, in a folder named the way
    /// Cost Management names its export runs' date ranges.
    public static func focusPrefix(_ month: CivilMonth) -> String {
        func compact(_ day: CivilDay) -> String { day.description.split(separator: "-").joined() }
        return "focus/\(compact(month.firstDay))-\(compact(month.lastDay))/"
    }

    /// `focus/20261101-20261130/2026-11-29-revision-000002.csv`: the day as a FOCUS 1.2 dataset at that revision.
    public static func focus(_ day: CivilDay, revision: Int) -> String {
        focusPrefix(day.month) + "\(day)-revision-\(padded(revision)).csv"
    }

    /// `exports/2026/11/29/revision-000002.csv`: the day's chargeback CSV at that revision.
    public static func export(_ day: CivilDay, revision: Int) -> String {
        "exports/\(dayPath(day))/revision-\(padded(revision)).csv"
    }

    /// The day and revision a snapshot or export name is about; nil for any other name.
    public static func parse(_ name: String) -> (day: CivilDay, revision: Int)? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "snapshots" || parts[0] == "exports",
              let day = CivilDay.parse("\(parts[1])-\(parts[2])-\(parts[3])") else { return nil }
        let file = parts[4]
        let suffix = parts[0] == "snapshots" ? ".json" : ".csv"
        guard file.hasPrefix("revision-"), file.hasSuffix(suffix) else { return nil }
        let digits = file.dropFirst(9).dropLast(suffix.count)
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let revision = Int(digits), revision >= 1 else { return nil }
        return (day, revision)
    }

    static func padded(_ revision: Int) -> String {
        let text = String(revision)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }
}

/// A record that cannot be used, and why.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ name: String, _ reason: String) {
        description = "\(name) \(reason)"
    }
}
