extension Money {
    /// Reads exact decimal text as written by `exactText` (up to 12 decimals); nil otherwise.
    public init?(exactText text: String) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 24, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 12, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty,
              let whole = Int128(parts[0]) else { return nil }
        let padded = fraction + String(repeating: "0", count: 12 - fraction.count)
        guard let picos = Int128(padded) else { return nil }
        let value = whole * 1_000_000_000_000 + picos
        self.init(picos: negative ? -value : value)
    }
}
