/// Exact conversions of JSON number text, without binary floating point.
enum NumberText {
    /// An integer literal (no fraction, no exponent, at most 18 digits), else nil.
    static func integer(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var index = range.lowerBound
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard range.upperBound - index <= 18 else { return nil }
        var value: Int64 = 0
        while index < range.upperBound {
            let digit = base[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
            index += 1
        }
        return negative ? -value : value
    }

    /// A non-negative decimal in thousandths, rounded half up (`93.48` → 93480); nil for exponents,
    /// negatives or more than 12 integer digits.
    static func thousandths(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var index = range.lowerBound
        guard base[index] != UInt8(ascii: "-") else { return nil }
        var whole: Int64 = 0
        var digits = 0
        while index < range.upperBound, base[index] &- 0x30 < 10 {
            // Counted before it is added: 19 digits would overflow Int64 (a trap, the handler down).
            digits += 1
            guard digits <= 12 else { return nil }
            whole = whole * 10 + Int64(base[index] - 0x30)
            index += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        if index < range.upperBound, base[index] == UInt8(ascii: ".") {
            index += 1
            while index < range.upperBound, base[index] &- 0x30 < 10 {
                if fractionDigits < 3 {
                    fraction = fraction * 10 + Int64(base[index] - 0x30)
                } else if fractionDigits == 3 {
                    roundUp = base[index] >= UInt8(ascii: "5")
                }
                fractionDigits += 1
                index += 1
            }
        }
        guard index == range.upperBound else { return nil }
        for _ in min(fractionDigits, 3)..<3 { fraction *= 10 }
        return whole * 1000 + fraction + (roundUp ? 1 : 0)
    }
}
