import CivilCalendar

/// The chargeback report as one self-contained HTML5 page for people (finance, cost-center owners):
/// header figures, warnings, three inline SVG charts and the tables. No script, no external style, font
/// or image, so it can be saved, mailed and printed as is. Every text from the report is escaped.
public enum ReportHTML {
    /// The whole page.
    public static func render(_ report: ChargebackReport) -> String {
        let lines = report.lines
        let period = "\(report.from) – \(report.to)"
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            + "<title>\(HTMLText.escape("Azure OpenAI chargeback \(period) (\(report.currency))"))</title>\n"
            + "<style>\n\(stylesheet)</style>\n</head>\n<body>\n<main>\n"
        page += "<header>\n<p class=\"eyebrow\">Azure OpenAI chargeback</p>\n<h1>\(HTMLText.escape(period))</h1>\n"
            + "<p class=\"subtitle\">All amounts in \(HTMLText.escape(report.currency))</p>\n</header>\n"
        page += banners(report) + staleBanner(report)
        page += figures(report, lines: lines)
        if lines.isEmpty {
            page += "<section class=\"empty\">\n<h2>No usage in this period</h2>\n<p>No chargeback lines were recorded"
                + " from \(report.from) to \(report.to)\(report.costCenterFilter == nil ? "" : " for this cost center")."
                + (report.reconciled.isEmpty ? " There is nothing to charge back." : " Only the invoice true-ups below apply.") + "</p>\n</section>\n"
        } else {
            page += charts(report)
            page += costCenterTable(report)
            page += subscriptionTable(report)
            page += detailTable(report, lines: lines)
        }
        page += trueUpTable(report)
        page += "<footer>\n<p>Amounts are exact sums of the priced lines, rounded only for display: the total half to even, and the rows"
            + " by largest remainder, so that the rows of every table add up exactly to the total shown under them (a row may"
            + " differ from its own exact amount by one unit of the last place). Unpriced lines have no cost here (cost unknown, not zero):"
            + " add their prices to the price book and run the report again.</p>\n</footer>\n"
        return page + "</main>\n</body>\n</html>\n"
    }

    /// The illustrative-prices and provisional-days warnings.
    static func banners(_ report: ChargebackReport) -> String {
        var html = ""
        if report.isIllustrative {
            html += "<div class=\"banner warning\" role=\"note\"><strong>Illustrative prices.</strong> These prices are illustrative,"
                + " not your agreement: do not invoice from this report until the price book holds your negotiated prices.</div>\n"
        }
        let provisional = report.provisionalDays.sorted()
        if !provisional.isEmpty {
            html += "<div class=\"banner provisional\" role=\"note\"><strong>Provisional days.</strong> Some days are provisional:"
                + " computed from live counters, not yet rolled up, so their amounts can still change:"
                + " \(dayRanges(provisional).map { "<span class=\"days\">\(HTMLText.escape($0))</span>" }.joined(separator: ", ")).</div>\n"
        }
        return html
    }

    /// The header figures: total, unpriced lines, price book, generation time, scope.
    static func figures(_ report: ChargebackReport, lines: [ChargebackReport.Line]) -> String {
        let unpriced = lines.count { $0.cost == nil }
        let generated = report.generatedAt.isoText
        let scope = report.costCenterFilter.map { costCenterLabel($0, in: report) } ?? "All cost centers"
        var figures: [(String, String, String)] = [
            ("Total cost", HTMLText.amount(report.total, decimals: 2) + " " + report.currency, "total"),
            ("Unpriced", unpriced == 0 ? "none" : HTMLText.count(unpriced, "unpriced line", "unpriced lines") + ", cost unknown",
             unpriced == 0 ? "" : "alert"),
            ("Price book", report.priceBookName, ""),
            ("Generated", generated.prefix(10) + " " + generated.dropFirst(11).prefix(5) + " UTC", ""),
            ("Scope", scope, ""),
        ]
        if !report.reconciled.isEmpty {
            let trueUps = RoundedTrueUps(report, decimals: 2)
            figures.insert(contentsOf: [
                ("Invoice true-ups", HTMLText.amount(trueUps.total, decimals: 2) + " " + report.currency, ""),
                ("Total after true-ups", HTMLText.amount(trueUps.grandTotal, decimals: 2) + " " + report.currency, "total"),
            ], at: 1)
        }
        var html = "<dl class=\"figures\">\n"
        for (term, value, kind) in figures {
            html += "<div class=\"\(kind.isEmpty ? "figure" : "figure " + kind)\"><dt>\(term)</dt><dd>\(HTMLText.escape(value))</dd></div>\n"
        }
        return html + "</dl>\n"
    }

    /// The three charts: by cost center, by deployment, by day.
    static func charts(_ report: ChargebackReport) -> String {
        func bars(_ totals: [ChargebackReport.Total], label: (String) -> String) -> [SVGBarChart.Bar] {
            let bars = totals.map { total in
                let unpriced = total.unpricedLines == 0 ? "" : " + " + HTMLText.count(total.unpricedLines, "unpriced line", "unpriced lines")
                let value = HTMLText.amount(total.cost, decimals: 2) + " " + report.currency
                return SVGBarChart.Bar(label: label(total.name), value: total.cost, valueText: value + unpriced,
                                       tooltip: label(total.name) + ": " + value + unpriced)
            }
            return SVGBarChart.folded(bars) { count, cost in
                let value = HTMLText.amount(cost, decimals: 2) + " " + report.currency
                return SVGBarChart.Bar(label: "\(count) others", value: cost, valueText: value, tooltip: "\(count) others: \(value)")
            }
        }
        let byCenter = SVGBarChart(title: "Cost by cost center", bars: bars(report.totals(by: \.costCenter)) { costCenterLabel($0, in: report) })
        let byDeployment = SVGBarChart(title: "Cost by deployment", bars: bars(report.totals(by: \.deployment)) { $0 })
        let days = Dictionary(report.days.map { ($0.day, $0) }, uniquingKeysWith: { first, _ in first })
        let isOneMonth = report.from.month == report.to.month
        let slots = report.from.through(report.to).map { day in
            let date = day.date
            let label = isOneMonth ? String(date.day) : String(day.description.dropFirst(5))
            guard let total = days[day] else { return SVGColumnChart.Slot(label: label, value: nil, isProvisional: false, tooltip: "") }
            let status = total.revision.map { "final, revision \($0)" } ?? "provisional"
            let unpriced = total.unpricedLines == 0 ? "" : ", " + HTMLText.count(total.unpricedLines, "unpriced line", "unpriced lines")
            return SVGColumnChart.Slot(label: label, value: total.cost, isProvisional: total.isProvisional,
                                       tooltip: "\(day): \(HTMLText.amount(total.cost, decimals: 2)) \(report.currency) (\(status)\(unpriced))")
        }
        let daily = SVGColumnChart(title: "Daily cost", slots: slots, currency: report.currency)
        return "<section class=\"charts\">\n<h2>Cost by cost center</h2>\n<figure>\(byCenter.render())</figure>\n"
            + "<h2>Cost by deployment</h2>\n<figure>\(byDeployment.render())</figure>\n"
            + "<h2>Daily cost</h2>\n<figure>\(daily.render())</figure>\n</section>\n"
    }

    /// `CC-42 · Research` for a cost center with a name, its id alone otherwise.
    static func costCenterLabel(_ id: String, in report: ChargebackReport) -> String {
        guard let name = report.costCenters.centers[id]?.name, name != id, !name.isEmpty else { return id }
        return id + " · " + name
    }

    /// Sorted days as runs: `2026-11-03`, `2026-11-28 – 2026-11-30`.
    static func dayRanges(_ days: [CivilDay]) -> [String] {
        var runs: [(first: CivilDay, last: CivilDay)] = []
        for day in days {
            if let run = runs.last, run.last.adding(days: 1) == day {
                runs[runs.count - 1].last = day
            } else if runs.last?.last != day {
                runs.append((day, day))
            }
        }
        return runs.map { $0.first == $0.last ? "\($0.first)" : "\($0.first) – \($0.last)" }
    }
}
