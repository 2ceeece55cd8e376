/// Reads prices written as decimal text (`"2.50"`, `"0.075"`) into exact micro-units.
public enum DecimalText {
    /// Why a price was refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed
        case negative
        case tooPrecise
        case tooLarge

        public var description: String {
            switch self {
            case .malformed: return "is not a decimal number"
            case .negative: return "is negative"
            case .tooPrecise: return "has more than 6 decimal places"
            case .tooLarge: return "is too large"
            }
        }
    }

    /// The value in millionths: `"2.50"` → 2_500_000. At most six decimals, not negative.
    public static func micros(_ text: String) throws(Refusal) -> Int64 {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .malformed }
        if bytes[0] == UInt8(ascii: "-") {
            let rest = bytes.dropFirst()
            throw rest.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") }) && !rest.isEmpty ? .malformed : .negative
        }
        if bytes[0] == UInt8(ascii: "+") { bytes.removeFirst() }
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let wholeDigits = bytes[..<(dot ?? bytes.endIndex)]
        var fractionDigits = dot.map { Array(bytes[($0 + 1)...]) } ?? []
        guard !wholeDigits.isEmpty || !fractionDigits.isEmpty, wholeDigits.allSatisfy({ $0 &- 0x30 < 10 }),
              fractionDigits.allSatisfy({ $0 &- 0x30 < 10 }), dot == nil || !fractionDigits.isEmpty else { throw .malformed }
        while fractionDigits.count > 6, fractionDigits.last == UInt8(ascii: "0") { fractionDigits.removeLast() }
        guard fractionDigits.count <= 6 else { throw .tooPrecise }
        guard wholeDigits.count <= 12 else { throw .tooLarge }
        var value: Int64 = 0
        for digit in wholeDigits { value = value * 10 + Int64(digit - 0x30) }
        for index in 0..<6 {
            value = value * 10 + (index < fractionDigits.count ? Int64(fractionDigits[index] - 0x30) : 0)
        }
        return value
    }

    /// Micro-units as decimal text with at least two places: 2_500_000 → `2.50`, 75_000 → `0.075`.
    public static func text(micros: Int64) -> String {
        Money(picos: Int128(micros) * 1_000_000).exactText
    }
}
