import CivilCalendar
import JSONOutput
import Glibc
import Logging
import NIOConcurrencyHelpers

/// Writes one JSON object per line to its sink (standard output unless told otherwise): `time`, `level`, `message`, `logger`, then the
/// metadata under its dotted keys (`invocation.id`, `http.status`). Application Insights reads these.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let sink: LineSink

    public init(label: String, sink: LineSink = .standardOutput) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Built as bytes, in one buffer, on the ingest path's every call: no dictionary merge (the
    /// handler's and the event's metadata are sorted together, the event's value winning), no
    /// intermediate strings, the time formatted digit by digit.
    public func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(512)
        line.append(contentsOf: #"{"time":""#.utf8)
        Self.appendTimestamp(to: &line)
        line.append(contentsOf: #"","level":"#.utf8)
        Self.appendString(event.level.rawValue, to: &line)
        line.append(contentsOf: #","message":"#.utf8)
        Self.appendString(event.message.description, to: &line)
        line.append(contentsOf: #","logger":"#.utf8)
        Self.appendString(label, to: &line)
        // Under the same key, the event's entry (rank 0) sorts ahead of the handler's and wins.
        var entries: [(key: String, rank: Int, value: Logger.Metadata.Value)] = []
        entries.reserveCapacity((event.metadata?.count ?? 0) + metadata.count)
        for (key, value) in event.metadata ?? [:] { entries.append((key, 0, value)) }
        for (key, value) in metadata { entries.append((key, 1, value)) }
        entries.sort { ($0.key, $0.rank) < ($1.key, $1.rank) }
        var previous: String?
        for (key, _, value) in entries where key != previous {
            previous = key
            line.append(UInt8(ascii: ","))
            Self.appendString(key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.append(value, to: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        sink.writeBytes(line)
    }

    static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case let .string(text): appendString(text, to: &line)
        case let .stringConvertible(convertible): appendString(convertible.description, to: &line)
        case let .array(values):
            line.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                append(value, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        case let .dictionary(dictionary):
            line.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                appendString(key, to: &line)
                line.append(UInt8(ascii: ":"))
                if let value = dictionary[key] { append(value, to: &line) }
            }
            line.append(UInt8(ascii: "}"))
        }
    }

    /// `text` as a JSON string literal, by the service's one escaper.
    static func appendString(_ text: String, to line: inout [UInt8]) {
        JSONWriter.appendString(text, to: &line)
    }

    /// Now in UTC as `2026-12-06T10:15:30.1234567Z` (7 fractional digits, trailing zeros dropped, as
    /// `DotNetDate.format` writes it).
    static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seconds = Int64(now.tv_sec)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilDate.fromDays(days)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                line.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        line.append(UInt8(ascii: "-"))
        digits(month, 2)
        line.append(UInt8(ascii: "-"))
        digits(day, 2)
        line.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        line.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        line.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        var fraction = Int(now.tv_nsec) / 100
        if fraction > 0 {
            var width = 7
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            line.append(UInt8(ascii: "."))
            digits(fraction, width)
        }
        line.append(UInt8(ascii: "Z"))
    }
}

/// Where log lines go: whole lines, one writer at a time.
public final class LineSink: Sendable {
    let writeBytes: @Sendable ([UInt8]) -> Void

    /// A sink calling `write` for each line (tests collect lines with it).
    public init(write: @escaping @Sendable (String) -> Void) {
        self.writeBytes = { write(String(decoding: $0, as: UTF8.self)) }
    }

    init(writeBytes: @escaping @Sendable ([UInt8]) -> Void) {
        self.writeBytes = writeBytes
    }

    /// Standard output, one `write` per line so the host sees lines at once (the handler's lines).
    public static let standardOutput = LineSink(descriptor: STDOUT_FILENO)
    /// Standard error, one `write` per line (the local Functions host's own lines).
    public static let standardError = LineSink(descriptor: STDERR_FILENO)

    /// Whole lines to a file descriptor, one writer at a time.
    convenience init(descriptor: Int32) {
        let lock = NIOLock()
        self.init(writeBytes: { (line: [UInt8]) in
            lock.withLock {
                line.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                        if written < 0 && errno == EINTR { continue }
                        guard written > 0 else { return }
                        offset += written
                    }
                }
            }
        })
    }
}
