import CivilCalendar
import FoundationEssentials

/// An NCRONTAB schedule as the Functions timer extension reads it:
/// `{second} {minute} {hour} {day} {month} {day-of-week}` (or 5 fields without seconds), in UTC.
/// Day and day-of-week must both match (NCRONTAB semantics, unlike Vixie cron).
public struct CronSchedule: Sendable, Equatable {
    /// A malformed expression.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    /// The expression text.
    public let text: String

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses an expression; lists, ranges, steps and month/day names are accepted.
    public init(_ text: String) throws(ParseError) {
        self.text = text
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 6 || fields.count == 5 else {
            throw ParseError(description: "'\(text)' has \(fields.count) fields; NCRONTAB needs 6 (or 5)")
        }
        let all = fields.count == 5 ? ["0"] + fields : fields
        seconds = try Self.field(all[0], range: 0...59, names: [], label: "second")
        minutes = try Self.field(all[1], range: 0...59, names: [], label: "minute")
        hours = try Self.field(all[2], range: 0...23, names: [], label: "hour")
        days = try Self.field(all[3], range: 1...31, names: [], label: "day")
        months = try Self.field(all[4], range: 1...12, names: Self.monthNames, label: "month")
        weekdays = Set(try Self.field(all[5], range: 0...7, names: Self.dayNames, label: "day-of-week").map { $0 % 7 })
    }

    static func field(_ text: String, range: ClosedRange<Int>, names: [String], label: String) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw ParseError(description: "bad \(label) '\(item)'") }
            var step = 1
            if stepParts.count == 2 {
                guard let value = Int(stepParts[1]), value > 0 else { throw ParseError(description: "bad step in \(label) '\(item)'") }
                step = value
            }
            let base = stepParts[0]
            var lower = range.lowerBound
            var upper = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, let first = value(bounds[0], names: names, range: range) else {
                    throw ParseError(description: "bad \(label) '\(item)'")
                }
                lower = first
                upper = stepParts.count == 2 && bounds.count == 1 ? range.upperBound : first
                if bounds.count == 2 {
                    guard let last = value(bounds[1], names: names, range: range), last >= first else {
                        throw ParseError(description: "bad \(label) range '\(item)'")
                    }
                    upper = last
                }
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }

    static func value(_ text: Substring, names: [String], range: ClosedRange<Int>) -> Int? {
        if let number = Int(text) { return range.contains(number) ? number : nil }
        guard let index = names.firstIndex(of: text.uppercased()) else { return nil }
        return index + (names.count == 12 ? 1 : 0)
    }

    /// True when the schedule fires more than once a minute; the timer extension then runs it without a monitor.
    public var firesMoreThanOncePerMinute: Bool { seconds.count > 1 }

    /// The first occurrence strictly after `date`, searching up to ten years ahead.
    public func nextOccurrence(after date: Date) -> Date? {
        let start = Int64((date.timeIntervalSince1970).rounded(.down)) + 1
        var day = start >= 0 ? start / 86_400 : (start - 86_399) / 86_400
        var secondOfDay = Int(start - day * 86_400)
        for _ in 0..<(366 * 10) {
            let (_, month, dayOfMonth) = CivilDate.fromDays(day)
            if months.contains(month), days.contains(dayOfMonth), weekdays.contains(CivilDate.weekday(ofDays: day)),
                let time = firstTime(atOrAfter: secondOfDay)
            {
                return Date(timeIntervalSince1970: Double(day * 86_400 + Int64(time)))
            }
            day += 1
            secondOfDay = 0
        }
        return nil
    }

    func firstTime(atOrAfter secondOfDay: Int) -> Int? {
        for hour in hours.sorted() where hour >= secondOfDay / 3600 {
            for minute in minutes.sorted() {
                for second in seconds.sorted() {
                    let time = hour * 3600 + minute * 60 + second
                    if time >= secondOfDay { return time }
                }
            }
        }
        return nil
    }
}
