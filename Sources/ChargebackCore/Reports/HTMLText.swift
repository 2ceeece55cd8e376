/// Text and numbers as a report page shows them: escaped for HTML, digits grouped by thousands.
enum HTMLText {
    /// `text` safe inside an element or a quoted attribute: `&`, `<`, `>`, `"` and `'` become references.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// `text` cut to `limit` characters, an ellipsis marking the cut (escape after cutting, never before).
    static func shortened(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 0))) + "…"
    }

    /// An integer with thousands separators: `1234567` → `1,234,567`.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + groupedDigits(digits)
    }

    /// An amount with exactly `decimals` places (half to even) and grouped digits: `12,345.68`.
    static func amount(_ money: Money, decimals: Int) -> String {
        let text = money.text(decimals: decimals)
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let whole = unsigned.prefix { $0 != "." }
        return (negative ? "-" : "") + groupedDigits(whole) + unsigned.dropFirst(whole.count)
    }

    /// An amount with two to six places, trailing zeros beyond the second dropped: `0.000125`, `12.50`.
    static func preciseAmount(_ money: Money) -> String {
        var text = amount(money, decimals: 6)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }

    /// `part` as a percentage of `whole` with one decimal (`12.5%`); empty when `whole` is not positive.
    static func share(_ part: Money, of whole: Money) -> String {
        guard whole.picos > 0 else { return "" }
        let tenths = (part.picos * 2000 / whole.picos + (part.picos >= 0 ? 1 : -1)) / 2
        return (tenths < 0 ? "-" : "") + "\(tenths.magnitude / 10).\(tenths.magnitude % 10)%"
    }

    /// A count with its noun, singular for one: `1 line`, `3 lines`.
    static func count(_ value: Int, _ singular: String, _ plural: String) -> String {
        grouped(Int64(value)) + " " + (value == 1 ? singular : plural)
    }

    /// An SVG coordinate with at most one decimal: `12.5`, `300`.
    static func coordinate(_ value: Double) -> String {
        let tenths = Int((max(value, 0) * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }

    private static func groupedDigits(_ digits: some StringProtocol) -> String {
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return result
    }
}
