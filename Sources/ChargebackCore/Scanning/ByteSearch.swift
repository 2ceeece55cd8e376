/// A byte-for-byte search for a short literal: what the ingest path asks of a path or a content
/// type. `String.contains(_:)` (`_StringProcessing`'s generic search, by characters) cost a few
/// microseconds per call there; a path or a media type is routed by its bytes anyway.
enum ByteSearch {
    /// True when `needle` occurs in `bytes`.
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0 else { return true }
        guard bytes.count >= count else { return false }
        let first = needle.utf8Start[0]
        for start in 0...(bytes.count - count) where bytes[start] == first {
            var matched = 1
            while matched < count, bytes[start + matched] == needle.utf8Start[matched] { matched += 1 }
            if matched == count { return true }
        }
        return false
    }
}

extension String {
    /// True when `needle` occurs in the text, compared byte for byte (UTF-8).
    func containsBytes(_ needle: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { ByteSearch.contains($0, needle) }
    }
}
