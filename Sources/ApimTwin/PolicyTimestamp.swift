import CivilCalendar

/// `context.Timestamp` as the policies write it: `yyyy-MM-ddTHH:mm:ss.fffffffZ` (UTC, 7 digits).
public enum PolicyTimestamp {
    /// Formats a time given in nanoseconds since 1970-01-01T00:00:00Z.
    public static func format(nanosecondsSinceEpoch nanoseconds: Int64) -> String {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        let ticks = (nanoseconds - seconds * 1_000_000_000) / 100
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        let date = CivilDate.fromDays(days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = String(String(ticks + 10_000_000).dropFirst())
        let year = String(String(date.year + 10_000).dropFirst())
        return "\(year)-\(two(Int64(date.month)))-\(two(Int64(date.day)))T\(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60)).\(fraction)Z"
    }
}
