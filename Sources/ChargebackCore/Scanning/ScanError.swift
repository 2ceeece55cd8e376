/// A low-level scanning failure at a byte offset; the extraction layer maps it to an `ExtractionError`.
struct ScanError: Error, Equatable {
    enum Kind: Equatable {
        case syntax(String)
        case utf8
        case depth
        case type(String)
    }

    let offset: Int
    let kind: Kind

    static func syntax(_ offset: Int, _ reason: String) -> ScanError { ScanError(offset: offset, kind: .syntax(reason)) }
}
