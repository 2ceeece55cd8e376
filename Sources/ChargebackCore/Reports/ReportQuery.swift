import CivilCalendar

/// Why a report query was refused (answered 400 with this message).
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The longest period one report covers.
public let maximumReportDays: Int64 = 366

/// `GET /api/v1/chargeback/report?month=YYYY-MM | from=&to= &format=json|csv|html|focus &costCenter=`.
public struct ChargebackReportQuery: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case json, csv, html, focus
    }

    public var from: CivilDay
    public var to: CivilDay
    public var format: Format
    public var costCenter: String?

    /// Reads the query; without `month`, `from` or `to`, the current UTC month.
    public static func parse(_ value: (String) -> String?, today: CivilDay) throws(QueryError) -> ChargebackReportQuery {
        let format = try parseFormat(value("format"))
        let costCenter = value("costCenter").flatMap { $0.isEmpty ? nil : $0 }
        if let monthText = value("month") {
            guard value("from") == nil, value("to") == nil else { throw QueryError("give either month or from/to, not both") }
            guard let month = CivilMonth.parse(monthText) else { throw QueryError("month '\(monthText)' is not YYYY-MM") }
            return ChargebackReportQuery(from: month.firstDay, to: month.lastDay, format: format, costCenter: costCenter)
        }
        if value("from") == nil, value("to") == nil {
            return ChargebackReportQuery(from: today.month.firstDay, to: today.month.lastDay, format: format, costCenter: costCenter)
        }
        let (from, to) = try parseRange(value("from"), value("to"))
        return ChargebackReportQuery(from: from, to: to, format: format, costCenter: costCenter)
    }

    static func parseFormat(_ text: String?) throws(QueryError) -> Format {
        guard let text else { return .json }
        guard let format = Format(rawValue: text.lowercased()) else {
            throw QueryError("format '\(text)' is not one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }
}

/// Reads `from` and `to` (YYYY-MM-DD, both required, both included, at most 366 days).
func parseRange(_ fromText: String?, _ toText: String?) throws(QueryError) -> (CivilDay, CivilDay) {
    guard let fromText, let toText else { throw QueryError("give both from and to (YYYY-MM-DD)") }
    guard let from = CivilDay.parse(fromText) else { throw QueryError("from '\(fromText)' is not a YYYY-MM-DD date") }
    guard let to = CivilDay.parse(toText) else { throw QueryError("to '\(toText)' is not a YYYY-MM-DD date") }
    guard from <= to else { throw QueryError("from \(from) is after to \(to)") }
    guard to.daysSinceEpoch - from.daysSinceEpoch < maximumReportDays else {
        throw QueryError("the range covers \(to.daysSinceEpoch - from.daysSinceEpoch + 1) days; at most \(maximumReportDays)")
    }
    return (from, to)
}

/// `GET /api/v1/usage/summary?from=&to=&subscription=&deployment=&groupBy=&tz=`.
public struct UsageSummaryQuery: Sendable, Equatable {
    public enum GroupBy: String, Sendable, CaseIterable {
        case subscription, deployment, model, costCenter, day, hour
    }

    /// Local days in `timeZone`, both included.
    public var from: CivilDay
    public var to: CivilDay
    public var groupBy: GroupBy
    /// An IANA time zone name; `UTC` by default.
    public var timeZone: String
    public var subscription: String?
    public var deployment: String?
    public var costCenter: String?

    /// Reads the query; without `from` and `to`, the current month up to `today`.
    public static func parse(_ value: (String) -> String?, today: CivilDay) throws(QueryError) -> UsageSummaryQuery {
        let groupText = value("groupBy") ?? "subscription"
        guard let groupBy = GroupBy.allCases.first(where: { $0.rawValue.lowercased() == groupText.lowercased() }) else {
            throw QueryError("groupBy '\(groupText)' is not one of \(GroupBy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (from, to): (CivilDay, CivilDay)
        if value("from") == nil, value("to") == nil {
            (from, to) = (today.month.firstDay, today)
        } else {
            (from, to) = try parseRange(value("from"), value("to"))
        }
        func optional(_ name: String) -> String? { value(name).flatMap { $0.isEmpty ? nil : $0 } }
        return UsageSummaryQuery(from: from, to: to, groupBy: groupBy, timeZone: optional("tz") ?? "UTC", subscription: optional("subscription"),
                                 deployment: optional("deployment"), costCenter: optional("costCenter"))
    }
}
