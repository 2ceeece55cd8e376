/// The invoice reconciliation's part of the page: the true-up lines applied to the period's days.
extension ReportHTML {
    /// The true-ups, each with its day, owner, reason and amount (six decimals, adding up to the total shown).
    static func trueUpTable(_ report: ChargebackReport) -> String {
        guard !report.reconciled.isEmpty else { return "" }
        let rounded = RoundedTrueUps(report, decimals: 6)
        var rows = ""
        for (trueUp, amount) in zip(report.trueUps, rounded.lines) {
            rows += "<tr><td>\(trueUp.key.day)</td><td>\(HTMLText.escape(trueUp.costCenter))</td>"
                + "<td class=\"identifier\">\(HTMLText.escape(trueUp.subscription))</td>"
                + "<td>\(HTMLText.escape(trueUp.deployment.isEmpty ? "—" : trueUp.deployment))</td>"
                + "<td>\(HTMLText.escape(trueUp.key.model.isEmpty ? "—" : trueUp.key.model))</td><td>\(HTMLText.escape(trueUp.key.meter))</td>"
                + "<td>\(HTMLText.escape(trueUp.reason.rawValue))</td><td class=\"number\">\(HTMLText.preciseAmount(amount))</td></tr>\n"
        }
        let days = report.reconciled.map(\.day)
        let intro = "<p class=\"muted\">Differences with the Azure invoice beyond the tolerance, applied by <code>chargeback reconcile --apply</code>"
            + " to \(HTMLText.count(days.count, "day", "days")) (\(ReportHTML.dayRanges(days).map { HTMLText.escape($0) }.joined(separator: ", ")))."
            + " They are not usage: the totals above are usage; the total after true-ups adds these.</p>\n"
        return "<section class=\"table\">\n<h2>Invoice true-ups</h2>\n\(intro)<div class=\"scroll\"><table id=\"true-ups\">\n<thead><tr>"
            + "<th>Day</th><th>Cost center</th><th>Subscription</th><th>Deployment</th><th>Model</th><th>Meter</th><th>Reason</th>"
            + "<th class=\"number\">Amount (\(HTMLText.escape(report.currency)))</th></tr></thead>\n<tbody>\n\(rows)</tbody>\n"
            + "<tfoot><tr><td colspan=\"7\">Total true-ups (\(HTMLText.count(report.trueUps.count, "line", "lines")))</td>"
            + "<td class=\"number\">\(HTMLText.preciseAmount(rounded.total))</td></tr></tfoot>\n</table></div>\n</section>\n"
    }

    /// A warning when a reconciled day was rolled up again after its true-ups were computed.
    static func staleBanner(_ report: ChargebackReport) -> String {
        let stale = report.staleReconciliations
        guard !stale.isEmpty else { return "" }
        return "<div class=\"banner warning\" role=\"note\"><strong>True-ups to recompute.</strong> Late usage was rolled up after these days"
            + " were reconciled with the invoice, so their true-ups may be off: run <code>chargeback reconcile --apply</code> on them again: "
            + ReportHTML.dayRanges(stale).map { "<span class=\"days\">\(HTMLText.escape($0))</span>" }.joined(separator: ", ") + ".</div>\n"
    }
}
