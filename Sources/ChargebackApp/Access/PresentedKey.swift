import FunctionsProtocol

/// The key a request presents, read the way the host may have seen it. Azure's host takes the first
/// `x-functions-key` value, else the first `code` value, and forwards repeated query keys joined by
/// a comma (functions-protocol.md §4.2, §3.1 `Query`); so anything but exactly one value, in one
/// place, without a comma, could mean the host checked one key and we would read another.
enum PresentedKey: Equatable {
    /// No key given.
    case none
    /// More than one value, or a value that is a joined list.
    case ambiguous
    /// Exactly one key.
    case one(String)

    static func read(from request: FunctionRequest) -> PresentedKey {
        // Names compared without building a lower-cased copy of each: this runs on every request.
        let headers = request.headers.filter { Self.equalsIgnoringCase($0.name, "x-functions-key") }.map(\.value)
        let query = request.query.filter { Self.equalsIgnoringCase($0.name, "code") }.map(\.value)
        let values = headers + query
        guard let first = values.first else { return .none }
        guard values.count == 1, !first.utf8.contains(UInt8(ascii: ",")) else { return .ambiguous }
        return first.isEmpty ? .none : .one(first)
    }

    /// ASCII case-insensitive equality with a lower-case `name` (HTTP field names and query keys are ASCII
    /// here; a non-ASCII byte matches only itself, never a letter).
    static func equalsIgnoringCase(_ text: String, _ name: StaticString) -> Bool {
        guard text.utf8.count == name.utf8CodeUnitCount else { return false }
        var index = 0
        for byte in text.utf8 {
            let lowered = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard lowered == name.utf8Start[index] else { return false }
            index += 1
        }
        return true
    }
}
