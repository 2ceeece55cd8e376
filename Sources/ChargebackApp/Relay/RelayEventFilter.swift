import FunctionsProtocol

/// Passes a server-sent-event stream on, whole events at a time, leaving out the usage chunk the
/// relay asked for on the client's behalf (`{"choices": [], "usage": {…}}`; Azure's first,
/// prompt-filter chunk also has no choices, but no usage). Bytes of an event still incomplete wait
/// for its end; without anything to strip, bytes pass at once.
struct RelayEventFilter {
    /// True when the usage chunk is to be kept from the client.
    let stripsUsage: Bool
    private var pending: [UInt8] = []

    init(stripsUsage: Bool) {
        self.stripsUsage = stripsUsage
    }

    /// What of `bytes` (and of what waited) the client gets now.
    mutating func pass(_ bytes: [UInt8]) -> [UInt8] {
        guard stripsUsage else { return bytes }
        pending += bytes
        var out: [UInt8] = []
        var start = 0
        var index = 0
        while index + 1 < pending.count {
            // An event ends with a blank line: "\n\n", or "\n\r\n" inside "\r\n\r\n".
            if pending[index] == 10, pending[index + 1] == 10 || (pending[index + 1] == 13 && index + 2 < pending.count && pending[index + 2] == 10) {
                let end = pending[index + 1] == 10 ? index + 2 : index + 3
                let event = Array(pending[start..<end])
                if !Self.isUsageChunk(event) { out += event }
                start = end
                index = end
            } else {
                index += 1
            }
        }
        pending.removeFirst(start)
        return out
    }

    /// What is left at the end of the stream (an event without its blank line).
    mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return stripsUsage && Self.isUsageChunk(pending) ? [] : pending
    }

    /// `data: {…}` whose object has an empty `choices` and a `usage` object.
    static func isUsageChunk(_ event: [UInt8]) -> Bool {
        for line in event.split(separator: 10) {
            var text = line.last == 13 ? line.dropLast() : line[...]
            guard text.starts(with: Array("data:".utf8)) else { continue }
            text = text.dropFirst(5)
            guard let document = try? JSONValue.parse(text), case let .object(members) = document,
                  members.contains(where: { $0.key == "choices" && $0.value == .array([]) }),
                  members.contains(where: { key, value in
                      guard key == "usage", case .object = value else { return false }
                      return true
                  }) else { return false }
            return true
        }
        return false
    }
}
