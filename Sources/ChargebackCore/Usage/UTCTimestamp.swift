import CivilCalendar

/// An instant in UTC with millisecond precision, read from ISO 8601 text (`2026-11-30T10:00:00.1234567Z`,
/// `+hh:mm` offsets allowed). Days are UTC calendar days: the chargeback's billing day.
public struct UTCTimestamp: Sendable, Equatable, Comparable, Hashable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func < (lhs: UTCTimestamp, rhs: UTCTimestamp) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    /// Parses ISO 8601 date-time text; nil when malformed or outside years 2000–2999.
    public static func parse(_ text: String) -> UTCTimestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] | 0x20 == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte &- 0x30 < 10 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), (2000...2999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysInMonth(year: year, month: month)).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        var millis = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                if digits < 3 { millis = millis * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offsetSeconds = 0
        let zone = bytes[index...]
        if zone.elementsEqual([UInt8(ascii: "Z")]) || zone.elementsEqual([UInt8(ascii: "z")]) {
            offsetSeconds = 0
        } else {
            guard zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"), bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6)), hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (zone.first == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = CivilDate.toDays(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return UTCTimestamp(millisecondsSinceEpoch: seconds * 1000 + Int64(millis))
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ`.
    public var isoText: String {
        let (days, milliOfDay) = dayAndMillisecond
        let date = CivilDate.fromDays(days)
        let seconds = milliOfDay / 1000
        // Written as bytes (every ledger key and log line of an event asks for it): one allocation.
        // Years past 9999 or before 0 (never parsed; only made by arithmetic) keep the general form.
        guard (0...9999).contains(date.year) else {
            return "\(Self.padded(Int64(date.year), 4))-\(Self.padded(Int64(date.month), 2))-\(Self.padded(Int64(date.day), 2))T"
                + "\(Self.padded(seconds / 3600, 2)):\(Self.padded(seconds / 60 % 60, 2)):\(Self.padded(seconds % 60, 2)).\(Self.padded(milliOfDay % 1000, 3))Z"
        }
        return String(unsafeUninitializedCapacity: 24) { text in
            Self.write(date, into: text)
            text[10] = UInt8(ascii: "T")
            Self.write(seconds / 3600, 2, at: 11, into: text)
            text[13] = UInt8(ascii: ":")
            Self.write(seconds / 60 % 60, 2, at: 14, into: text)
            text[16] = UInt8(ascii: ":")
            Self.write(seconds % 60, 2, at: 17, into: text)
            text[19] = UInt8(ascii: ".")
            Self.write(milliOfDay % 1000, 3, at: 20, into: text)
            text[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The UTC day as `yyyy-MM-dd` (ten bytes: a small string, no allocation).
    public var dayText: String {
        let date = CivilDate.fromDays(dayAndMillisecond.days)
        guard (0...9999).contains(date.year) else { return String(isoText.prefix { $0 != "T" }) }
        return String(unsafeUninitializedCapacity: 10) { text in
            Self.write(date, into: text)
            return 10
        }
    }

    /// `yyyy-MM-dd` (a year of 0–9999) in the first ten bytes of `text`.
    private static func write(_ date: (year: Int, month: Int, day: Int), into text: UnsafeMutableBufferPointer<UInt8>) {
        write(Int64(date.year), 4, at: 0, into: text)
        text[4] = UInt8(ascii: "-")
        write(Int64(date.month), 2, at: 5, into: text)
        text[7] = UInt8(ascii: "-")
        write(Int64(date.day), 2, at: 8, into: text)
    }

    /// `value` (0 ≤ value < 10^width) in `width` decimal digits, zero-padded, at `offset`.
    private static func write(_ value: Int64, _ width: Int, at offset: Int, into text: UnsafeMutableBufferPointer<UInt8>) {
        var rest = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            text[index] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
        }
    }

    /// `value` zero-padded to `width` digits, longer when it needs more (the general form).
    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    var dayAndMillisecond: (days: Int64, millisecond: Int64) {
        // Floored, without the subtraction that overflowed within a day of Int64.min.
        var (days, millisecond) = millisecondsSinceEpoch.quotientAndRemainder(dividingBy: 86_400_000)
        if millisecond < 0 {
            days -= 1
            millisecond += 86_400_000
        }
        return (days, millisecond)
    }

    /// The UTC day of this instant.
    public var day: CivilDay { CivilDay(daysSinceEpoch: dayAndMillisecond.days) }
}
