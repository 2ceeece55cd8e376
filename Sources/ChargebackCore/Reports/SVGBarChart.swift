/// A horizontal bar chart as inline SVG: one labelled bar per item in the given order, each bar's
/// length proportional to its amount and its figure written after it. Only the bars are `<rect>`s.
struct SVGBarChart {
    /// One bar.
    struct Bar {
        /// Shown left of the bar, shortened when long.
        var label: String
        /// The amount the bar's length shows (negative amounts draw no bar).
        var value: Money
        /// Written after the bar, e.g. `1,234.56 USD`.
        var valueText: String
        /// The full text of the bar's tooltip.
        var tooltip: String
    }

    /// The chart's accessible name (`<title>` and `aria-label`).
    var title: String
    /// The bars, top to bottom.
    var bars: [Bar]

    private static let width = 960.0
    private static let labelWidth = 260.0
    private static let valueWidth = 250.0
    private static let rowHeight = 30.0
    private static let barHeight = 18.0
    private static let labelCharacters = 38

    /// The most bars a chart shows before folding the smallest into one "others" bar.
    static let maximumBars = 12

    /// At most `maximumBars` bars: the first ones as given, the rest folded into one `others` bar.
    static func folded(_ bars: [Bar], others: (_ count: Int, _ total: Money) -> Bar) -> [Bar] {
        guard bars.count > maximumBars else { return bars }
        let rest = bars.dropFirst(maximumBars - 1)
        return Array(bars.prefix(maximumBars - 1)) + [others(rest.count, rest.reduce(.zero) { $0 + $1.value })]
    }

    /// The `<svg>` element; every text in it is escaped.
    func render() -> String {
        let height = Double(bars.count) * Self.rowHeight + 16
        let largest = bars.map(\.value).max() ?? .zero
        let plotWidth = Self.width - Self.labelWidth - Self.valueWidth
        let name = HTMLText.escape(title)
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"\(name)\" viewBox=\"0 0 \(Int(Self.width)) \(HTMLText.coordinate(height))\""
            + " preserveAspectRatio=\"xMinYMin meet\"><title>\(name)</title>\n"
        svg += "<line class=\"axis\" x1=\"\(Int(Self.labelWidth))\" y1=\"4\" x2=\"\(Int(Self.labelWidth))\" y2=\"\(HTMLText.coordinate(height - 4))\"/>\n"
        for (index, bar) in bars.enumerated() {
            let top = 8 + Double(index) * Self.rowHeight
            let middle = top + Self.barHeight / 2
            let fraction = largest.picos > 0 && bar.value.picos > 0 ? Double(bar.value.picos) / Double(largest.picos) : 0
            let length = max(fraction * plotWidth, bar.value.picos > 0 ? 1 : 0)
            svg += "<text class=\"label\" x=\"\(Int(Self.labelWidth - 10))\" y=\"\(HTMLText.coordinate(middle))\" text-anchor=\"end\""
                + " dominant-baseline=\"middle\">\(HTMLText.escape(HTMLText.shortened(bar.label, to: Self.labelCharacters)))</text>"
            svg += "<rect class=\"bar\" x=\"\(Int(Self.labelWidth))\" y=\"\(HTMLText.coordinate(top))\" width=\"\(HTMLText.coordinate(length))\""
                + " height=\"\(Int(Self.barHeight))\"><title>\(HTMLText.escape(bar.tooltip))</title></rect>"
            svg += "<text class=\"value\" x=\"\(HTMLText.coordinate(Self.labelWidth + length + 8))\" y=\"\(HTMLText.coordinate(middle))\""
                + " dominant-baseline=\"middle\">\(HTMLText.escape(bar.valueText))</text>\n"
        }
        return svg + "</svg>"
    }
}
