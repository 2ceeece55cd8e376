/// A POSIX TZ string as TZif footers carry it (RFC 8536 section 3.3, POSIX.1-2017 section 8.3,
/// with TZif version 3's hours from -167 to 167): the standard offset, and optionally a daylight
/// offset with the rules that start and end it, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`.
/// Offsets in the string count west of Greenwich; the offsets kept here count east.
public struct PosixZoneRule: Sendable, Equatable {
    public let standardOffset: Int
    let daylight: Daylight?

    struct Daylight: Sendable, Equatable {
        let offset: Int
        let start: Transition
        let end: Transition
    }

    /// When daylight time starts or ends: a day of the year and a local time of that day.
    struct Transition: Sendable, Equatable {
        enum Day: Sendable, Equatable {
            /// `Jn`: day 1 to 365, February 29 never counted.
            case julianSkippingLeapDay(Int)
            /// `n`: day 0 to 365, February 29 counted.
            case zeroBased(Int)
            /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
            case monthWeekDay(month: Int, week: Int, weekday: Int)
        }

        let day: Day
        /// Seconds after local midnight (may be negative or past 24 hours).
        let time: Int

        /// Days since the epoch of this transition's day in `year`.
        func days(inYear year: Int) -> Int64 {
            let january1 = CivilDate.toDays(year: year, month: 1, day: 1)
            let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            switch day {
            case let .julianSkippingLeapDay(number):
                return january1 + Int64(number - 1 + (isLeap && number >= 60 ? 1 : 0))
            case let .zeroBased(number):
                return january1 + Int64(number)
            case let .monthWeekDay(month, week, weekday):
                let first = CivilDate.toDays(year: year, month: month, day: 1)
                let nextMonth = month == 12 ? CivilDate.toDays(year: year + 1, month: 1, day: 1) : CivilDate.toDays(year: year, month: month + 1, day: 1)
                var day = first + Int64((weekday - CivilDate.weekday(ofDays: first) + 7) % 7) + Int64(week - 1) * 7
                while day >= nextMonth { day -= 7 }
                return day
            }
        }
    }

    public init(_ text: String) throws(ZoneRulesError) {
        var scanner = PosixScanner(bytes: Array(text.utf8))
        try scanner.name()
        standardOffset = -(try scanner.time(maximumHours: 24))
        guard !scanner.isAtEnd else {
            daylight = nil
            return
        }
        try scanner.name()
        var daylightOffset = standardOffset + 3600
        if !scanner.peek(",") { daylightOffset = -(try scanner.time(maximumHours: 24)) }
        guard scanner.take(",") else { throw ZoneRulesError("TZ '\(text)': daylight time without rules") }
        let start = try scanner.transition()
        guard scanner.take(",") else { throw ZoneRulesError("TZ '\(text)': daylight time without an end") }
        let end = try scanner.transition()
        guard scanner.isAtEnd else { throw ZoneRulesError("TZ '\(text)': unexpected text at the end") }
        daylight = Daylight(offset: daylightOffset, start: start, end: end)
    }

    /// The offset (seconds east of UTC) at `seconds` since the epoch.
    public func offset(atSecondsSinceEpoch seconds: Int64) -> Int {
        guard let daylight else { return standardOffset }
        let year = CivilDate.fromDays(Self.floorDivide(seconds, 86_400)).year
        // Each transition happens at a local time: the start in standard time, the end in daylight time.
        let start = daylight.start.days(inYear: year) * 86_400 + Int64(daylight.start.time - standardOffset)
        let end = daylight.end.days(inYear: year) * 86_400 + Int64(daylight.end.time - daylight.offset)
        let isDaylight = start <= end ? (seconds >= start && seconds < end) : !(seconds >= end && seconds < start)
        return isDaylight ? daylight.offset : standardOffset
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}

/// Reads a POSIX TZ string's parts.
struct PosixScanner {
    let bytes: [UInt8]
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    func peek(_ character: Unicode.Scalar) -> Bool {
        position < bytes.count && bytes[position] == UInt8(ascii: character)
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard peek(character) else { return false }
        position += 1
        return true
    }

    /// A zone abbreviation: three or more letters, or `<…>` quoted (e.g. `<+0530>`).
    mutating func name() throws(ZoneRulesError) {
        let start = position
        if take("<") {
            while position < bytes.count, bytes[position] != UInt8(ascii: ">") { position += 1 }
            guard take(">"), position - start >= 5 else { throw ZoneRulesError("TZ: a bad quoted abbreviation") }
            return
        }
        while position < bytes.count, (bytes[position] | 0x20) >= UInt8(ascii: "a"), (bytes[position] | 0x20) <= UInt8(ascii: "z") {
            position += 1
        }
        guard position - start >= 3 else { throw ZoneRulesError("TZ: an abbreviation of fewer than three letters") }
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    mutating func time(maximumHours: Int) throws(ZoneRulesError) -> Int {
        let sign = take("-") ? -1 : (take("+") ? 1 : 1)
        let hours = try number(maximum: maximumHours)
        var seconds = hours * 3600
        if take(":") { seconds += try number(maximum: 59) * 60 }
        if take(":") { seconds += try number(maximum: 59) }
        return sign * seconds
    }

    /// `date[/time]`.
    mutating func transition() throws(ZoneRulesError) -> PosixZoneRule.Transition {
        let day: PosixZoneRule.Transition.Day
        if take("M") {
            let month = try number(maximum: 12)
            guard take("."), month >= 1 else { throw ZoneRulesError("TZ: a bad month rule") }
            let week = try number(maximum: 5)
            guard take("."), week >= 1 else { throw ZoneRulesError("TZ: a bad week") }
            day = .monthWeekDay(month: month, week: week, weekday: try number(maximum: 6))
        } else if take("J") {
            let number = try number(maximum: 365)
            guard number >= 1 else { throw ZoneRulesError("TZ: Julian day 0") }
            day = .julianSkippingLeapDay(number)
        } else {
            day = .zeroBased(try number(maximum: 365))
        }
        // TZif version 3 allows -167 to 167 hours here (RFC 8536 section 3.3.1).
        let time = take("/") ? try self.time(maximumHours: 167) : 7200
        return PosixZoneRule.Transition(day: day, time: time)
    }

    mutating func number(maximum: Int) throws(ZoneRulesError) -> Int {
        var value = 0
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9"), position - start < 4 {
            value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        guard position > start, value <= maximum else { throw ZoneRulesError("TZ: a number missing or out of range") }
        return value
    }
}
