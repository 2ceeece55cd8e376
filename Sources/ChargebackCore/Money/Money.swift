/// An exact amount of money in picos: 10⁻¹² of the currency unit, in a 128-bit integer.
///
/// Prices carry at most six decimals per pricing unit (1M tokens, 1M characters, one image, one
/// minute), so a token, character or image line costs an exact whole number of picos. Only per-minute
/// audio, measured in milliseconds, can fall between two picos; that line is rounded half to even.
/// Presentation rounds once more, half to even, to the places shown (see `text(decimals:)`).
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in 10⁻¹² of the currency unit.
    public var picos: Int128

    public init(picos: Int128) {
        self.picos = picos
    }

    /// Nothing.
    public static let zero = Money(picos: 0)

    public static func + (lhs: Money, rhs: Money) -> Money { Money(picos: lhs.picos + rhs.picos) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(picos: lhs.picos - rhs.picos) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.picos += rhs.picos }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.picos < rhs.picos }

    /// The amount in whole units of 10⁻`decimals`, rounded half to even (`decimals` in 0...12).
    public func rounded(decimals: Int) -> Int128 {
        let places = min(max(decimals, 0), 12)
        var divisor: Int128 = 1
        for _ in 0..<(12 - places) { divisor *= 10 }
        if places == 12 { return picos }
        let magnitude = picos.magnitude
        let unsignedDivisor = UInt128(divisor)
        var quotient = magnitude / unsignedDivisor
        let remainder = magnitude % unsignedDivisor
        let twice = remainder * 2
        if twice > unsignedDivisor || (twice == unsignedDivisor && quotient % 2 == 1) { quotient += 1 }
        let signed = Int128(quotient)
        return picos < 0 ? -signed : signed
    }

    /// Decimal text with exactly `decimals` places, rounded half to even: `1234.50`, `-0.000125`.
    public func text(decimals: Int) -> String {
        let places = min(max(decimals, 0), 12)
        let units = rounded(decimals: places)
        // UInt128's description is generic (slow); amounts below 1.8e19 units take the 64-bit path.
        let digits = units.magnitude <= UInt128(UInt64.max) ? String(UInt64(units.magnitude)) : String(units.magnitude)
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -places)
        let whole = String(padded[..<split])
        let fraction = String(padded[split...])
        return (units < 0 ? "-" : "") + whole + (places > 0 ? "." + fraction : "")
    }

    /// Exact decimal text: every significant decimal, at least two places (`0.0000025`, `12.50`).
    public var exactText: String {
        var text = Array(self.text(decimals: 12).utf8)
        // 12 decimals written; drop trailing zeros down to two.
        var dropped = 0
        while dropped < 10, text.last == UInt8(ascii: "0") {
            text.removeLast()
            dropped += 1
        }
        return String(decoding: text, as: UTF8.self)
    }

    public var description: String { exactText }
}
