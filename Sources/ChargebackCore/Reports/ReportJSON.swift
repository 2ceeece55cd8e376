/// The chargeback report as JSON. Amounts are decimal strings: exact sums rounded half to even to
/// six places; an unpriced line's cost is null, never 0.
public enum ReportJSON {
    public static func render(_ report: ChargebackReport) -> [UInt8] {
        var json = JSONWriter(capacity: 256 * (report.lines.count + 16))
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
        json.member("total", report.total.text(decimals: 6))
        json.member("unpricedLines", report.unpricedLines)
        json.key("provisionalDays")
        json.openArray()
        for day in report.provisionalDays { json.string(day.description) }
        json.closeArray()
        json.member("rounding", "exact sums, rounded half to even to 6 decimal places for display")
        costCenters(report, into: &json)
        json.key("days")
        json.openArray()
        for day in report.days {
            json.openObject()
            json.member("day", day.day.description)
            json.key("revision")
            if let revision = day.revision { json.number(revision) } else { json.string(nil) }
            json.member("provisional", day.isProvisional)
            json.member("cost", day.cost.text(decimals: 6))
            json.member("unpricedLines", day.unpricedLines)
            json.closeObject()
        }
        json.closeArray()
        json.key("lines")
        json.openArray()
        var priceTexts: [Int64: String] = [:]
        for line in report.lines {
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
            json.member("cost", line.cost?.text(decimals: 6))
            json.member("provisional", line.isProvisional)
            json.closeObject()
        }
        json.closeArray()
        json.closeObject()
        return json.bytes
    }

    /// Totals per cost center, each with its subscriptions.
    static func costCenters(_ report: ChargebackReport, into json: inout JSONWriter) {
        let byCenter = Dictionary(grouping: report.lines) { $0.key.costCenter }
        json.key("costCenters")
        json.openArray()
        for total in report.totals(by: \.costCenter) {
            let info = report.costCenters.centers[total.name]
            json.openObject()
            json.member("id", total.name)
            json.member("name", info?.name ?? total.name)
            json.member("owner", info?.owner)
            json.member("department", info?.department)
            json.member("cost", total.cost.text(decimals: 6))
            json.member("unpricedLines", total.unpricedLines)
            json.key("subscriptions")
            json.openArray()
            for subscription in ChargebackReport.totals(of: byCenter[total.name] ?? [], by: \.subscription) {
                json.openObject()
                json.member("id", subscription.name)
                json.member("cost", subscription.cost.text(decimals: 6))
                json.member("unpricedLines", subscription.unpricedLines)
                json.closeObject()
            }
            json.closeArray()
            json.closeObject()
        }
        json.closeArray()
    }
}
