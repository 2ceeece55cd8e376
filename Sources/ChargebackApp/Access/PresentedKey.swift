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
        let headers = request.headers.filter { $0.name.lowercased() == "x-functions-key" }.map(\.value)
        let query = request.query.filter { $0.name.lowercased() == "code" }.map(\.value)
        let values = headers + query
        guard let first = values.first else { return .none }
        guard values.count == 1, !first.contains(",") else { return .ambiguous }
        return first.isEmpty ? .none : .one(first)
    }
}
