/// Numbers as cost exports write them: decimal text of any length, an optional exponent
/// (`1.2E-05`, which exports of floating-point amounts contain), read exactly and rounded half to
/// even to 10⁻¹² (a pico of money, or of a quantity).
public enum InvoiceNumber {
    /// The value in 10⁻¹² units; nil for anything that is not a finite decimal number, or is beyond
    /// 10²⁴ in size (no invoice line is).
    public static func picos(_ text: String) -> Int128? {
        var rest = Substring(text.trimmingSpaces)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest.removeFirst()
        }
        var exponent = 0
        if let marker = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(rest[rest.index(after: marker)...]), value.magnitude <= 100 else { return nil }
            exponent = value
            rest = rest[..<marker]
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var digits = Array((whole + fraction).utf8.map { Int128($0 - UInt8(ascii: "0")) }.drop { $0 == 0 })
        guard !digits.isEmpty else { return 0 }
        // The value is digits × 10^scale picos.
        let scale = exponent - fraction.count + 12
        guard digits.count + scale <= 36 else { return nil }
        if scale >= 0 {
            return signed(digits.reduce(0) { $0 * 10 + $1 } * Int128(10).power(scale), negative)
        }
        let keptCount = digits.count + scale
        guard keptCount >= 0 else { return 0 }
        let kept = digits.prefix(keptCount).reduce(Int128(0)) { $0 * 10 + $1 }
        digits.removeFirst(keptCount)
        let first = digits.first ?? 0
        let restIsZero = digits.dropFirst().allSatisfy { $0 == 0 }
        let roundsUp = first > 5 || (first == 5 && (!restIsZero || kept % 2 == 1))
        return signed(kept + (roundsUp ? 1 : 0), negative)
    }

    static func signed(_ value: Int128, _ negative: Bool) -> Int128 { negative ? -value : value }
}

extension Int128 {
    /// self to the power `exponent` (small exponents only).
    func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}
