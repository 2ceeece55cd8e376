/// Integer arithmetic for budget and alert ratios: products that saturate instead of trapping,
/// quotients rounded half to even, tenths written as text. No floating point touches an amount.
enum ExactRatio {
    /// `lhs × rhs`, clamped to `Int128`'s range (amounts that large are not money, but must not crash).
    static func product(_ lhs: Int128, _ rhs: Int128) -> Int128 {
        let (value, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        guard overflow else { return value }
        return (lhs < 0) == (rhs < 0) ? .max : .min
    }

    /// `numerator ÷ denominator` rounded half to even; 0 when `denominator` is not positive.
    static func roundedQuotient(_ numerator: Int128, _ denominator: Int128) -> Int128 {
        guard denominator > 0 else { return 0 }
        let quotient = numerator / denominator
        let twice = (numerator % denominator).magnitude * 2
        let divisor = denominator.magnitude
        guard twice > divisor || (twice == divisor && quotient % 2 != 0) else { return quotient }
        return quotient + (numerator < 0 ? -1 : 1)
    }

    /// `part` as a percentage of `whole` in tenths of a percent, rounded half to even: 412 of 500 → 824.
    static func percentTenths(_ part: Int128, of whole: Int128) -> Int128 {
        roundedQuotient(product(part, 1000), whole)
    }

    /// Tenths written with one decimal: 824 → `82.4`, 1000 → `100.0`.
    static func tenthsText(_ tenths: Int128) -> String {
        Money(picos: product(tenths, 100_000_000_000)).text(decimals: 1)
    }

    /// Micro-units written without trailing zeros: 3_000_000 → `3`, 50_000 → `0.05`.
    static func microsText(_ micros: Int128) -> String {
        var text = Money(picos: product(micros, 1_000_000)).text(decimals: 6)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
