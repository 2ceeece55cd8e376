/// The copy of a relayed answer the relay keeps to extract its usage: whole up to `limit` bytes;
/// past it, its length and its last 64 KiB (where a stream's usage is), like the policy's tail.
struct RelayCapture: Sendable {
    let limit: Int
    static let tailBytes = 65_536
    private(set) var head: [UInt8] = []
    private(set) var length = 0
    private var recent: [UInt8] = []

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ bytes: [UInt8]) {
        length += bytes.count
        if length <= limit {
            head += bytes
            return
        }
        if !head.isEmpty {
            recent = head
            head = []
        }
        recent += bytes
        if recent.count > 2 * Self.tailBytes { recent.removeFirst(recent.count - Self.tailBytes) }
    }

    /// The last bytes, when the answer was over the limit (starting at a line, so no event is cut).
    var tail: [UInt8]? {
        guard length > limit else { return nil }
        var last = Array(recent.suffix(Self.tailBytes))
        if let newline = last.firstIndex(of: 10) { last.removeFirst(newline + 1) }
        return last
    }
}
