import FoundationEssentials
import FunctionsProtocol
import Glibc
import Logging
import NIOConcurrencyHelpers

/// Writes one JSON object per line to stdout: `time`, `level`, `message`, `logger`, then the
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

    public func log(event: LogEvent) {
        var line = "{\"time\":"
        JSONLogHandler.appendString(Self.timestamp(), to: &line)
        line += ",\"level\":"
        JSONLogHandler.appendString(event.level.rawValue, to: &line)
        line += ",\"message\":"
        JSONLogHandler.appendString(event.message.description, to: &line)
        line += ",\"logger\":"
        JSONLogHandler.appendString(label, to: &line)
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += ","
            JSONLogHandler.appendString(key, to: &line)
            line += ":"
            if let value = merged[key] { JSONLogHandler.append(value, to: &line) }
        }
        line += "}\n"
        sink.write(line)
    }

    static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case let .string(text): appendString(text, to: &line)
        case let .stringConvertible(convertible): appendString(convertible.description, to: &line)
        case let .array(values):
            line += "[" + values.map { value -> String in
                var part = ""
                append(value, to: &part)
                return part
            }.joined(separator: ",") + "]"
        case let .dictionary(dictionary):
            line += "{" + dictionary.keys.sorted().map { key -> String in
                var part = ""
                appendString(key, to: &part)
                part += ":"
                if let value = dictionary[key] { append(value, to: &part) }
                return part
            }.joined(separator: ",") + "}"
        }
    }

    static func appendString(_ text: String, to line: inout String) {
        JSONValue.writeString(text, into: &line)
    }

    static func timestamp() -> String {
        DotNetDate.format(Date())
    }
}

/// Where log lines go: whole lines, one writer at a time.
public final class LineSink: Sendable {
    let write: @Sendable (String) -> Void

    /// A sink calling `write` for each line.
    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Standard output, flushed per line so the host sees lines at once.
    public static let standardOutput: LineSink = {
        let lock = NIOLock()
        return LineSink { line in
            var bytes = Array(line.utf8)[...]
            lock.withLock {
                while !bytes.isEmpty {
                    let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    bytes = bytes.dropFirst(written)
                }
            }
        }
    }()

    func write(_ line: String) { write(line) }
}
