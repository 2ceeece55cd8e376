/// The report's tables: totals by cost center, totals by subscription, and the detail lines.
extension ReportHTML {
    /// Totals by cost center with the cost-center file's name, owner and department.
    static func costCenterTable(_ report: ChargebackReport) -> String {
        let total = report.total
        let rounded = RoundedTotals(lines: report.lines.map { ($0.key.costCenter, $0.key.subscription, $0.cost) }, decimals: 2)
        var rows = ""
        for line in report.totals(by: \.costCenter) {
            let center = report.costCenters.centers[line.name]
            rows += "<tr><td>\(HTMLText.escape(line.name))</td><td>\(HTMLText.escape(center?.name ?? ""))</td>"
                + "<td>\(HTMLText.escape(center?.owner ?? ""))</td><td>\(HTMLText.escape(center?.department ?? ""))</td>"
                + "<td class=\"number\">\(HTMLText.amount(rounded.costCenters[line.name] ?? .zero, decimals: 2))</td>"
                + "<td class=\"number\">\(HTMLText.share(line.cost, of: total))</td>"
                + "<td class=\"number\">\(unpricedCell(line.unpricedLines))</td></tr>\n"
        }
        return table(id: "cost-centers", title: "Totals by cost center",
                     head: ["Cost center", "Name", "Owner", "Department", money("Cost", report), number("Share"), number("Unpriced lines")],
                     rows: rows, foot: "<td colspan=\"4\">Total</td>" + totalCells(report))
    }

    /// Totals by subscription, each with the cost center its lines were charged to.
    static func subscriptionTable(_ report: ChargebackReport) -> String {
        let total = report.total
        let rounded = RoundedTotals(lines: report.lines.map { ($0.key.costCenter, $0.key.subscription, $0.cost) }, decimals: 2)
        var rows = ""
        // Cost-center ids never contain "|" (the cost-center file refuses them), so the first "|" splits the pair.
        for line in report.totals(by: { $0.costCenter + "|" + $0.subscription }) {
            let costCenter = line.name.prefix { $0 != "|" }
            let subscription = line.name.dropFirst(costCenter.count + 1)
            rows += "<tr><td class=\"identifier\">\(HTMLText.escape(String(subscription)))</td>"
                + "<td>\(HTMLText.escape(costCenterLabel(String(costCenter), in: report)))</td>"
                + "<td class=\"number\">\(HTMLText.amount(rounded.subscription(String(costCenter), String(subscription)), decimals: 2))</td>"
                + "<td class=\"number\">\(HTMLText.share(line.cost, of: total))</td>"
                + "<td class=\"number\">\(unpricedCell(line.unpricedLines))</td></tr>\n"
        }
        return table(id: "subscriptions", title: "Totals by subscription",
                     head: ["Subscription", "Cost center", money("Cost", report), number("Share"), number("Unpriced lines")],
                     rows: rows, foot: "<td colspan=\"2\">Total</td>" + totalCells(report))
    }

    /// Every line of the period: quantity, unit price and cost (up to six decimals), provisional ones marked.
    static func detailTable(_ report: ChargebackReport, lines: [ChargebackReport.Line]) -> String {
        let rounded = RoundedTotals(lines: lines.map { ($0.key.costCenter, $0.key.subscription, $0.cost) }, decimals: 6)
        var rows = ""
        for (index, line) in lines.enumerated() {
            let key = line.key
            let quantity = HTMLText.grouped(line.quantity) + " " + key.unit.consumedUnit
            let price = key.price.map { DecimalText.text(micros: $0.micros) + " / " + $0.unit.rawValue } ?? "—"
            let cost = rounded.lines[index].map { HTMLText.preciseAmount($0) } ?? "<span class=\"tag unpriced\">unpriced</span>"
            let status = line.isProvisional ? "<span class=\"tag provisional\">provisional</span>" : "<span class=\"muted\">final</span>"
            rows += "<tr\(line.isProvisional ? " class=\"provisional\"" : "")><td>\(HTMLText.escape(key.costCenter))</td>"
                + "<td class=\"identifier\">\(HTMLText.escape(key.subscription))</td><td>\(HTMLText.escape(key.deployment))</td>"
                + "<td>\(HTMLText.escape(key.model.isEmpty ? "—" : key.model))</td><td>\(HTMLText.escape(key.meter))</td>"
                + "<td class=\"number\">\(HTMLText.escape(quantity))</td><td class=\"number\">\(HTMLText.escape(price))</td>"
                + "<td>\(HTMLText.escape(key.price?.version ?? "—"))</td><td class=\"number\">\(cost)</td><td>\(status)</td></tr>\n"
        }
        return table(id: "detail-lines", title: "Detail lines",
                     head: ["Cost center", "Subscription", "Deployment", "Model", "Meter", number("Quantity"), number("Unit price"),
                            "Price version", money("Cost", report), "Status"],
                     rows: rows, foot: "<td colspan=\"8\">Total (" + HTMLText.count(lines.count, "line", "lines") + ")</td>"
                        + "<td class=\"number\">\(HTMLText.preciseAmount(rounded.total))</td><td></td>")
    }

    /// A titled table; `head` cells are trusted markup (the renderer's own words), rows already escaped.
    private static func table(id: String, title: String, head: [String], rows: String, foot: String) -> String {
        "<section class=\"table\">\n<h2>\(title)</h2>\n<div class=\"scroll\"><table id=\"\(id)\">\n<thead><tr>"
            + head.map { $0.hasPrefix("<th") ? $0 : "<th>\($0)</th>" }.joined() + "</tr></thead>\n<tbody>\n\(rows)</tbody>\n"
            + "<tfoot><tr>\(foot)</tr></tfoot>\n</table></div>\n</section>\n"
    }

    private static func number(_ title: String) -> String { "<th class=\"number\">\(title)</th>" }

    private static func money(_ title: String, _ report: ChargebackReport) -> String {
        number("\(title) (\(HTMLText.escape(report.currency)))")
    }

    private static func unpricedCell(_ count: Int) -> String {
        count == 0 ? "0" : "<span class=\"tag unpriced\">\(HTMLText.grouped(Int64(count)))</span>"
    }

    private static func totalCells(_ report: ChargebackReport) -> String {
        "<td class=\"number\">\(HTMLText.amount(report.total, decimals: 2))</td><td class=\"number\">\(HTMLText.share(report.total, of: report.total))</td>"
            + "<td class=\"number\">\(unpricedCell(report.unpricedLines))</td>"
    }
}
