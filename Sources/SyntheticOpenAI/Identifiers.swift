/// Identifiers derived from a request hash: the same body always gets the same ids, and each use
/// (named by a salt) gets its own.
struct Identifiers: Sendable {
    /// FNV-1a of the request body.
    let hash: UInt64

    /// `count` lowercase hex digits drawn from the hash and a salt that names their use.
    func hex(_ count: Int, salt: String) -> String {
        var random = SplitMix64(seed: hash ^ TokenRules.hash(salt.utf8))
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(random.next() % 16)] })
    }

    /// `count` letters and digits drawn from the hash, like the tail of `chatcmpl-CgQ1fZ3v…`.
    func alphanumeric(_ count: Int, salt: String) -> String {
        var random = SplitMix64(seed: hash ^ TokenRules.hash(salt.utf8))
        let symbols = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in symbols[Int(random.next() % UInt64(symbols.count))] })
    }

    /// A UUID-shaped identifier (8-4-4-4-12 hex digits).
    func uuid(salt: String) -> String {
        let digits = hex(32, salt: salt)
        var parts: [Substring] = []
        var start = digits.startIndex
        for length in [8, 4, 4, 4, 12] {
            let end = digits.index(start, offsetBy: length)
            parts.append(digits[start..<end])
            start = end
        }
        return parts.joined(separator: "-")
    }
}
