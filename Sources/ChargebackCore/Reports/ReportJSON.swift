import JSONOutput

/// The chargeback report as JSON. Amounts are decimal strings to six places: the total is the exact
/// sum rounded half to even; cost centers, subscriptions, lines and days are rounded by largest
/// remainder (`RoundedTotals`), so each level adds up exactly to the one above. For tools that check
/// the arithmetic, `exactTotal` and each line's `exactCost` carry every significant digit. An
/// unpriced line's cost is null, never 0. True-ups from the invoice reconciliation are apart from the
/// usage: `total` is usage, `trueUpTotal` the true-ups, `grandTotal` both (`RoundedTrueUps`).
public enum ReportJSON {
    public static func render(_ report: ChargebackReport) -> [UInt8] {
        var json = JSONWriter(capacity: 256 * (report.lines.count + 16))
        let rounded = RoundedTotals(lines: report.lines.map { ($0.key.costCenter, $0.key.subscription, $0.cost) }, decimals: 6)
        json.openObject()
        json.key("period")
        json.openObject()
        json.member("from", report.from.description)
        json.member("to", report.to.description)
        json.closeObject()
        json.member("currency", report.currency)
        json.member("priceBook", report.priceBookName)
        json.member("illustrativePrices", report.isIllustrative)
        json.member("generatedAt", report.generatedAt.isoText)
        json.member("costCenter", report.costCenterFilter)
        json.member("total", rounded.total.text(decimals: 6))
        json.member("exactTotal", report.total.exactText)
        json.member("unpricedLines", report.unpricedLines)
        let trueUps = RoundedTrueUps(report, decimals: 6)
        json.member("trueUpTotal", trueUps.total.text(decimals: 6))
        json.member("exactTrueUpTotal", report.trueUpTotal.exactText)
        json.member("grandTotal", trueUps.grandTotal.text(decimals: 6))
        json.member("exactGrandTotal", report.grandTotal.exactText)
        json.key("provisionalDays")
        json.openArray()
        for day in report.provisionalDays { json.string(day.description) }
        json.closeArray()
        json.member("rounding", "6 decimal places: the total is the exact sum rounded half to even; cost centers, subscriptions, lines and days "
            + "are rounded by largest remainder so that they add up exactly to the totals shown; grandTotal is usage and true-ups "
            + "rounded half to even, trueUpTotal is grandTotal minus total, shared by largest remainder among cost centers, then their lines")
        costCenters(report, rounded: rounded, into: &json)
        json.key("days")
        json.openArray()
        let dayCosts = Apportion.parts(report.days.map(\.cost), decimals: 6)
        for (index, day) in report.days.enumerated() {
            json.openObject()
            json.member("day", day.day.description)
            json.key("revision")
            if let revision = day.revision { json.number(revision) } else { json.string(nil) }
            json.member("provisional", day.isProvisional)
            json.member("cost", Apportion.money(units: dayCosts[index], decimals: 6).text(decimals: 6))
            json.member("unpricedLines", day.unpricedLines)
            json.closeObject()
        }
        json.closeArray()
        json.key("lines")
        json.openArray()
        var priceTexts: [Int64: String] = [:]
        for (index, line) in report.lines.enumerated() {
            let key = line.key
            json.openObject()
            json.member("costCenter", key.costCenter)
            json.member("subscription", key.subscription)
            json.member("deployment", key.deployment)
            json.member("model", key.model)
            json.member("meter", key.meter)
            json.member("quantity", line.quantity)
            json.member("unit", key.unit.consumedUnit)
            json.member("unitPrice", key.price.map { price in
                if let text = priceTexts[price.micros] { return text }
                let text = DecimalText.text(micros: price.micros)
                priceTexts[price.micros] = text
                return text
            })
            json.member("pricingUnit", key.unit.rawValue)
            json.member("priceVersion", key.price?.version)
            json.member("cost", rounded.lines[index]?.text(decimals: 6))
            json.member("exactCost", line.cost?.exactText)
            json.member("provisional", line.isProvisional)
            json.closeObject()
        }
        json.closeArray()
        trueUpSections(report, rounded: trueUps, into: &json)
        json.closeObject()
        return json.bytes
    }

    /// The reconciled days, the true-ups by cost center and the true-up lines (`chargeback reconcile --apply`).
    static func trueUpSections(_ report: ChargebackReport, rounded: RoundedTrueUps, into json: inout JSONWriter) {
        let stale = Set(report.staleReconciliations)
        json.key("reconciledDays")
        json.openArray()
        for applied in report.reconciled {
            json.openObject()
            json.member("day", applied.day.description)
            json.member("appliedAt", applied.appliedAt.isoText)
            json.member("exportSha256", applied.exportDigest)
            json.member("costColumn", applied.costColumn)
            json.member("snapshotRevision", applied.snapshotRevision)
            json.member("stale", stale.contains(applied.day))
            json.member("trueUpLines", applied.trueUps.count)
            json.closeObject()
        }
        json.closeArray()
        json.key("trueUpsByCostCenter")
        json.openArray()
        for (id, amount) in rounded.costCenters {
            json.openObject()
            json.member("id", id)
            json.member("name", report.costCenters.centers[id]?.name ?? id)
            json.member("amount", amount.text(decimals: 6))
            json.closeObject()
        }
        json.closeArray()
        json.key("trueUps")
        json.openArray()
        for (trueUp, amount) in zip(report.trueUps, rounded.lines) {
            json.openObject()
            json.member("day", trueUp.key.day.description)
            json.member("costCenter", trueUp.costCenter)
            json.member("subscription", trueUp.subscription)
            json.member("deployment", trueUp.deployment)
            json.member("model", trueUp.key.model)
            json.member("deploymentType", trueUp.key.deploymentType)
            json.member("meter", trueUp.key.meter)
            json.member("reason", trueUp.reason.rawValue)
            json.member("amount", amount.text(decimals: 6))
            json.member("exactAmount", trueUp.amount.exactText)
            json.closeObject()
        }
        json.closeArray()
    }

    /// Totals per cost center, each with its subscriptions (one pass over the lines).
    static func costCenters(_ report: ChargebackReport, rounded: RoundedTotals, into json: inout JSONWriter) {
        var subscriptionTotals: [String: [String: ChargebackReport.Total]] = [:]
        for line in report.lines {
            var total = subscriptionTotals[line.key.costCenter]?[line.key.subscription]
                ?? ChargebackReport.Total(name: line.key.subscription, cost: .zero, unpricedLines: 0)
            total.cost += line.cost ?? .zero
            total.unpricedLines += line.cost == nil ? 1 : 0
            subscriptionTotals[line.key.costCenter, default: [:]][line.key.subscription] = total
        }
        let centers = subscriptionTotals.map { id, subscriptions in
            ChargebackReport.Total(name: id, cost: subscriptions.values.reduce(.zero) { $0 + $1.cost },
                                   unpricedLines: subscriptions.values.reduce(0) { $0 + $1.unpricedLines })
        }.sorted { ($0.cost, $1.name) > ($1.cost, $0.name) }
        json.key("costCenters")
        json.openArray()
        for total in centers {
            let info = report.costCenters.centers[total.name]
            json.openObject()
            json.member("id", total.name)
            json.member("name", info?.name ?? total.name)
            json.member("owner", info?.owner)
            json.member("department", info?.department)
            json.member("cost", (rounded.costCenters[total.name] ?? .zero).text(decimals: 6))
            json.member("unpricedLines", total.unpricedLines)
            json.key("subscriptions")
            json.openArray()
            let subscriptions = (subscriptionTotals[total.name] ?? [:]).values.sorted { ($0.cost, $1.name) > ($1.cost, $0.name) }
            for subscription in subscriptions {
                json.openObject()
                json.member("id", subscription.name)
                json.member("cost", rounded.subscription(total.name, subscription.name).text(decimals: 6))
                json.member("unpricedLines", subscription.unpricedLines)
                json.closeObject()
            }
            json.closeArray()
            json.closeObject()
        }
        json.closeArray()
    }
}
