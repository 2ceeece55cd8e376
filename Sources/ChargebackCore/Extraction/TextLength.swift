/// Counts characters (Unicode scalars) of JSON strings without keeping the text.
enum TextLength {
    /// The scalar count of the string at the cursor, escapes decoded.
    static func characters(_ cursor: inout JSONCursor) throws(ScanError) -> Int64 {
        let (range, hasEscapes) = try cursor.stringRange()
        if !hasEscapes { return scalars(UnsafeBufferPointer(start: cursor.base + range.lowerBound, count: range.count)) }
        var bytes: [UInt8] = []
        try JSONUnescaper.unescape(cursor.base, range, into: &bytes)
        return bytes.withUnsafeBufferPointer { scalars($0) }
    }

    /// Scalars in UTF-8 bytes: every byte that is not a continuation byte.
    static func scalars(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        var count: Int64 = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }
}
