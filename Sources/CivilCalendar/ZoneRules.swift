/// A time zone's UTC offsets, read from a TZif file (RFC 8536, versions 2 to 4: the 64-bit data and
/// the footer's POSIX TZ string). The handler needs nothing else of a time zone: the offset at an
/// instant. Reading the system's zoneinfo instead of ICU's copy keeps Foundation's
/// internationalization (ICU data, 40 MB of binary) out of the handler.
public struct ZoneRules: Sendable, Equatable {
    /// Instants (seconds since the epoch) at which the offset changes, ascending.
    let transitions: [Int64]
    /// The offset (seconds east of UTC) from each transition on.
    let offsets: [Int32]
    /// The offset before the first transition (RFC 8536: time type 0).
    let initialOffset: Int32
    /// The rule for instants after the last transition (the footer), when the file gives one.
    let footer: PosixZoneRule?

    /// UTC: no transitions, no offset.
    public static let utc = ZoneRules(transitions: [], offsets: [], initialOffset: 0, footer: nil)

    init(transitions: [Int64], offsets: [Int32], initialOffset: Int32, footer: PosixZoneRule?) {
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.footer = footer
    }

    /// The offset (seconds east of UTC) in force at `seconds` since the epoch.
    public func offset(atSecondsSinceEpoch seconds: Int64) -> Int {
        if let last = transitions.last, seconds >= last, let footer {
            return footer.offset(atSecondsSinceEpoch: seconds)
        }
        if transitions.isEmpty, let footer { return footer.offset(atSecondsSinceEpoch: seconds) }
        // The last transition at or before `seconds`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= seconds { low = middle + 1 } else { high = middle }
        }
        return Int(low == 0 ? initialOffset : offsets[low - 1])
    }

    /// Parses a TZif file. Version 1 files (32-bit data only) and files with leap seconds
    /// (the `right/` zones) are refused: every supported system ships version 2 or later.
    public init(tzif bytes: [UInt8]) throws(ZoneRulesError) {
        var reader = TZifReader(bytes: bytes)
        let first = try reader.header()
        guard first.version >= 2 else { throw ZoneRulesError("version 1 TZif files are not supported") }
        try reader.skip(first.dataLength(timeSize: 4))
        let header = try reader.header()
        guard header.leapCount == 0 else { throw ZoneRulesError("zones with leap seconds are not supported") }
        guard header.typeCount > 0 else { throw ZoneRulesError("no local time types") }
        var transitions: [Int64] = []
        transitions.reserveCapacity(header.timeCount)
        for _ in 0..<header.timeCount { transitions.append(try reader.int64()) }
        var typeIndices: [Int] = []
        for _ in 0..<header.timeCount { typeIndices.append(Int(try reader.byte())) }
        var typeOffsets: [Int32] = []
        for _ in 0..<header.typeCount {
            let offset = try reader.int32()
            try reader.skip(2)  // isdst, abbreviation index
            guard offset > -26 * 3600, offset < 26 * 3600 else { throw ZoneRulesError("an offset beyond ±26 hours") }
            typeOffsets.append(offset)
        }
        try reader.skip(header.charCount + header.standardCount + header.utcCount)
        guard zip(transitions, transitions.dropFirst()).allSatisfy({ $0 < $1 }) else { throw ZoneRulesError("transitions out of order") }
        var offsets: [Int32] = []
        for index in typeIndices {
            guard index < typeOffsets.count else { throw ZoneRulesError("a transition names a missing time type") }
            offsets.append(typeOffsets[index])
        }
        let footerText = try reader.footer()
        let footer = footerText.isEmpty ? nil : try PosixZoneRule(footerText)
        self.init(transitions: transitions, offsets: offsets, initialOffset: typeOffsets[0], footer: footer)
    }
}

/// Why a TZif file or a TZ string was refused.
public struct ZoneRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Reads a TZif file's big-endian fields, refusing to read past its end.
struct TZifReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    struct Header {
        let version: Int
        let utcCount, standardCount, leapCount, timeCount, typeCount, charCount: Int

        /// The length of the data block that follows, with `timeSize`-byte times.
        func dataLength(timeSize: Int) -> Int {
            timeCount * (timeSize + 1) + typeCount * 6 + charCount + leapCount * (timeSize + 4) + standardCount + utcCount
        }
    }

    mutating func header() throws(ZoneRulesError) -> Header {
        guard position + 44 <= bytes.count, bytes[position..<position + 4].elementsEqual("TZif".utf8) else {
            throw ZoneRulesError("not a TZif file")
        }
        let versionByte = bytes[position + 4]
        let version = versionByte == 0 ? 1 : Int(versionByte) - Int(UInt8(ascii: "0"))
        position += 20
        var counts: [Int] = []
        for _ in 0..<6 {
            let count = Int(try int32())
            guard count >= 0, count < 1 << 20 else { throw ZoneRulesError("an implausible count") }
            counts.append(count)
        }
        return Header(version: version, utcCount: counts[0], standardCount: counts[1], leapCount: counts[2],
                      timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
    }

    mutating func skip(_ count: Int) throws(ZoneRulesError) {
        guard count >= 0, position + count <= bytes.count else { throw ZoneRulesError("the file is cut short") }
        position += count
    }

    mutating func byte() throws(ZoneRulesError) -> UInt8 {
        try skip(1)
        return bytes[position - 1]
    }

    mutating func int32() throws(ZoneRulesError) -> Int32 {
        try skip(4)
        return bytes[position - 4..<position].reduce(0) { Int32(bitPattern: UInt32(bitPattern: $0) << 8 | UInt32($1)) }
    }

    mutating func int64() throws(ZoneRulesError) -> Int64 {
        try skip(8)
        return bytes[position - 8..<position].reduce(0) { Int64(bitPattern: UInt64(bitPattern: $0) << 8 | UInt64($1)) }
    }

    /// The footer between two newlines, which every version 2+ file has (it may be empty).
    mutating func footer() throws(ZoneRulesError) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\n"),
              let end = bytes[(position + 1)...].firstIndex(of: UInt8(ascii: "\n")) else {
            throw ZoneRulesError("the footer is not a line")
        }
        let text = bytes[(position + 1)..<end]
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw ZoneRulesError("the footer is not ASCII") }
        position = end + 1
        return String(decoding: text, as: UTF8.self)
    }
}
