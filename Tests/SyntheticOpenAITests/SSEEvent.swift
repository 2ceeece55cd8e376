import Foundation

/// One server-sent event: its `event:` name, if any, and its `data:` text.
struct SSEEvent: Equatable {
    var type: String?
    var data: String

    /// The events of an SSE body (blank-line separated; `data:` lines joined).
    static func parse(_ bytes: [UInt8]) -> [SSEEvent] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            var event = SSEEvent(type: nil, data: "")
            var hasData = false
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event.type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") {
                    event.data += (hasData ? "\n" : "") + line.dropFirst(6)
                    hasData = true
                }
            }
            return hasData ? event : nil
        }
    }

    /// The data as JSON (nil for `[DONE]`).
    var json: JSON? { try? JSON.parse(data) }
}
