/// One calendar day (proleptic Gregorian, no time zone), held as days since 1970-01-01.
/// The chargeback's billing days are UTC days.
public struct CivilDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int64

    public init(daysSinceEpoch: Int64) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// The day of a calendar date; nil when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...CivilDate.daysInMonth(year: year, month: month)).contains(day) else {
            return nil
        }
        daysSinceEpoch = CivilDate.toDays(year: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD`; nil otherwise.
    public static func parse(_ text: String) -> CivilDay? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = CivilDate.digits(bytes[0..<4]), let month = CivilDate.digits(bytes[5..<7]),
              let day = CivilDate.digits(bytes[8..<10]) else { return nil }
        return CivilDay(year: year, month: month, day: day)
    }

    public static func < (lhs: CivilDay, rhs: CivilDay) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// Year, month and day of month.
    public var date: (year: Int, month: Int, day: Int) { CivilDate.fromDays(daysSinceEpoch) }

    /// The month this day is in.
    public var month: CivilMonth {
        let date = self.date
        return CivilMonth(year: date.year, month: date.month)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let date = self.date
        return CivilDate.padded(date.year, 4) + "-" + CivilDate.padded(date.month, 2) + "-" + CivilDate.padded(date.day, 2)
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int64) -> CivilDay { CivilDay(daysSinceEpoch: daysSinceEpoch + count) }

    /// Days from `self` through `last`, both included; empty when `last` is earlier.
    public func through(_ last: CivilDay) -> [CivilDay] {
        guard last >= self else { return [] }
        return (daysSinceEpoch...last.daysSinceEpoch).map(CivilDay.init(daysSinceEpoch:))
    }

    /// Seconds since the epoch at 00:00 UTC of this day.
    public var startSecondsSinceEpoch: Int64 { daysSinceEpoch * 86_400 }
}

/// One calendar month.
public struct CivilMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Parses exactly `YYYY-MM`; nil otherwise.
    public static func parse(_ text: String) -> CivilMonth? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"), let year = CivilDate.digits(bytes[0..<4]),
              let month = CivilDate.digits(bytes[5..<7]), (1...9999).contains(year), (1...12).contains(month) else { return nil }
        return CivilMonth(year: year, month: month)
    }

    public static func < (lhs: CivilMonth, rhs: CivilMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    /// The month's first day.
    public var firstDay: CivilDay { CivilDay(daysSinceEpoch: CivilDate.toDays(year: year, month: month, day: 1)) }

    /// The month's last day.
    public var lastDay: CivilDay {
        CivilDay(daysSinceEpoch: CivilDate.toDays(year: year, month: month, day: CivilDate.daysInMonth(year: year, month: month)))
    }

    /// `YYYY-MM`.
    public var description: String { CivilDate.padded(year, 4) + "-" + CivilDate.padded(month, 2) }
}
