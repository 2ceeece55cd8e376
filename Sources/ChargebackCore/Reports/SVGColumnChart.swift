/// A vertical bar chart of one amount per slot (a day) as inline SVG, with a y axis in the
/// currency and a legend. Provisional columns are hatched. Only the columns are `<rect>`s; a slot
/// without a column (a day not yet counted) stays empty.
struct SVGColumnChart {
    /// One slot on the x axis.
    struct Slot {
        /// Under the axis, e.g. the day of month; only some slots' labels are shown when crowded.
        var label: String
        /// The column's amount; nil for no column.
        var value: Money?
        /// True when the amount is provisional (drawn hatched).
        var isProvisional: Bool
        /// The full text of the column's tooltip.
        var tooltip: String
    }

    /// The chart's accessible name (`<title>` and `aria-label`).
    var title: String
    /// The slots, left to right.
    var slots: [Slot]
    /// The currency code written on the y axis.
    var currency: String

    private static let width = 960.0
    private static let height = 300.0
    private static let left = 78.0
    private static let right = 12.0
    private static let top = 34.0
    private static let bottom = 30.0

    /// The `<svg>` element; every text in it is escaped.
    func render() -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let baseline = Self.height - Self.bottom
        let ticks = Self.ticks(upTo: slots.compactMap(\.value).max() ?? .zero)
        let scaleTop = Double(ticks.last?.picos ?? 1)
        let slotWidth = plotWidth / Double(max(slots.count, 1))
        let name = HTMLText.escape(title)
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"\(name)\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\""
            + " preserveAspectRatio=\"xMinYMin meet\"><title>\(name)</title>\n"
        svg += "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">"
            + "<path class=\"hatch-ground\" d=\"M0 0h6v6h-6z\"/><path class=\"hatch-line\" d=\"M0 0v6\"/></pattern></defs>\n"
        svg += legend()
        for tick in ticks {
            let y = baseline - Double(tick.picos) / scaleTop * plotHeight
            svg += "<line class=\"grid\" x1=\"\(Int(Self.left))\" y1=\"\(HTMLText.coordinate(y))\" x2=\"\(Int(Self.width - Self.right))\""
                + " y2=\"\(HTMLText.coordinate(y))\"/><text class=\"tick\" x=\"\(Int(Self.left - 8))\" y=\"\(HTMLText.coordinate(y))\""
                + " text-anchor=\"end\" dominant-baseline=\"middle\">\(HTMLText.amount(tick, decimals: ticks.count > 1 && ticks[1].picos < 1_000_000_000_000 ? 2 : 0))</text>\n"
        }
        svg += "<text class=\"tick\" x=\"8\" y=\"14\">\(HTMLText.escape(currency))</text>\n"
        let labelEvery = max(1, (slots.count + 15) / 16)
        for (index, slot) in slots.enumerated() {
            let x = Self.left + Double(index) * slotWidth
            if let value = slot.value {
                let barHeight = value.picos > 0 ? max(Double(value.picos) / scaleTop * plotHeight, 1) : 0
                // A short period must not draw one column across the whole chart: at most 48 units wide, centred.
                let gap = max(min(slotWidth * 0.2, 4), slotWidth - 48)
                svg += "<rect class=\"bar\(slot.isProvisional ? " provisional" : "")\" x=\"\(HTMLText.coordinate(x + gap / 2))\""
                    + " y=\"\(HTMLText.coordinate(baseline - barHeight))\" width=\"\(HTMLText.coordinate(slotWidth - gap))\""
                    + " height=\"\(HTMLText.coordinate(barHeight))\"><title>\(HTMLText.escape(slot.tooltip))</title></rect>"
            }
            if index % labelEvery == 0 {
                svg += "<text class=\"tick\" x=\"\(HTMLText.coordinate(x + slotWidth / 2))\" y=\"\(HTMLText.coordinate(baseline + 18))\""
                    + " text-anchor=\"middle\">\(HTMLText.escape(slot.label))</text>"
            }
            svg += "\n"
        }
        svg += "<line class=\"axis\" x1=\"\(Int(Self.left))\" y1=\"\(Int(baseline))\" x2=\"\(Int(Self.width - Self.right))\" y2=\"\(Int(baseline))\"/>\n"
        return svg + "</svg>"
    }

    /// The legend, top right: final and provisional swatches (paths, so that only columns are rects).
    private func legend() -> String {
        let x = Self.width - Self.right - 290
        return "<g class=\"legend\"><path class=\"bar\" d=\"M\(Int(x)) 6h14v14h-14z\"/><text x=\"\(Int(x + 20))\" y=\"13\""
            + " dominant-baseline=\"middle\">final</text><path class=\"bar provisional\" d=\"M\(Int(x + 80)) 6h14v14h-14z\"/>"
            + "<text x=\"\(Int(x + 100))\" y=\"13\" dominant-baseline=\"middle\">provisional (live counters)</text></g>\n"
    }

    /// Gridline amounts from zero to at least `largest`, in steps of 1, 2 or 5 × 10ⁿ cents (four or five lines).
    static func ticks(upTo largest: Money) -> [Money] {
        let cent: Int128 = 10_000_000_000
        let largestCents = max((largest.picos + cent - 1) / cent, 1)
        var magnitude: Int128 = 1
        var step: Int128 = 1
        search: while true {
            for multiple: Int128 in [1, 2, 5] {
                step = multiple * magnitude
                if step * 4 >= largestCents { break search }
            }
            magnitude *= 10
        }
        let count = (largestCents + step - 1) / step
        return (0...Int(count)).map { Money(picos: Int128($0) * step * cent) }
    }
}
