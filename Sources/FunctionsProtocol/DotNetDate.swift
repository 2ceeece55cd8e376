import CivilCalendar
import FoundationEssentials

/// Dates as JSON.NET writes them: `yyyy-MM-ddTHH:mm:ss.FFFFFFFK` (0–7 fractional digits, `Z` or `±hh:mm`).
public enum DotNetDate {
    /// `DateTime.MinValue` as a local time in a UTC machine: the timer's "never ran" marker.
    public static let minValueText = "0001-01-01T00:00:00+00:00"

    /// Formats `date` in UTC with 7-digit precision, trailing zeros dropped; `utcSuffix` is `Z` or `+00:00`.
    public static func format(_ date: Date, utcSuffix: String = "Z") -> String {
        let ticks = (date.timeIntervalSince1970 * 10_000_000).rounded(.down)
        let seconds = Int64((ticks / 10_000_000).rounded(.down))
        let fraction = Int64(ticks) - seconds * 10_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilDate.fromDays(days)
        var text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(Int(secondOfDay / 3600), 2)
        text += ":" + padded(Int(secondOfDay / 60 % 60), 2) + ":" + padded(Int(secondOfDay % 60), 2)
        if fraction > 0 {
            var digits = padded(Int(fraction), 7)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + utcSuffix
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    public static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses any JSON.NET date text (also year 0001); nil when it is not one.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > start, let digits = Double("0." + String(decoding: bytes[start..<index], as: UTF8.self)) else { return nil }
            fraction = digits
        }
        var offset = 0
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        if zone == "Z" || zone.isEmpty {
            offset = 0
        } else {
            let zoneBytes = Array(zone.utf8)
            guard zoneBytes.count == 6, zoneBytes[0] == UInt8(ascii: "+") || zoneBytes[0] == UInt8(ascii: "-"),
                zoneBytes[3] == UInt8(ascii: ":"),
                let hours = Int(String(decoding: zoneBytes[1..<3], as: UTF8.self)),
                let minutes = Int(String(decoding: zoneBytes[4..<6], as: UTF8.self))
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (zoneBytes[0] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = CivilDate.toDays(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset))
        return Date(timeIntervalSince1970: seconds + fraction)
    }
}
