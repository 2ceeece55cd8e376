import CivilCalendar

/// The chargeback report as CSV for finance, one row per line per charge period, with FOCUS-style
/// column names (custom columns prefixed `x_`). Costs have six places, rounded by largest remainder
/// (`RoundedTotals`): a cost center's or subscription's rows add up exactly to its total in the HTML
/// and JSON reports, and all rows to the report's total;
/// an unpriced line has empty price and cost columns and `x_PriceStatus` = `unpriced`, never 0.
/// True-ups applied from the invoice reconciliation follow the usage rows as `ChargeCategory`
/// `Adjustment` rows (`x_ChargeStatus` `true-up`, or `true-up-stale` when late events rolled the day
/// up after its reconciliation; `x_TrueUpReason` why), with the JSON report's amounts: usage rows add
/// up to its `total`, Adjustment rows to its `trueUpTotal`, all rows to its `grandTotal`.
public enum ReportCSV {
    /// The header row's columns.
    public static let columns = [
        "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "BillingCurrency", "SubAccountId",
        "x_CostCenter", "x_CostCenterName", "ResourceId", "x_Model", "ChargeCategory", "x_Meter", "ConsumedQuantity", "ConsumedUnit",
        "ListUnitPrice", "PricingUnit", "BilledCost", "x_PricingVersion", "x_PriceStatus", "x_SnapshotRevision", "x_ChargeStatus",
        "x_TrueUpReason",
    ]

    public static func render(_ report: ChargebackReport) -> String {
        var out = columns.joined(separator: ",") + "\r\n"
        let segments = report.segments.sorted(by: { $0.from < $1.from }).map { ($0, $0.lines.sorted(by: ChargeLine.order)) }
        let rounded = RoundedTotals(lines: segments.flatMap { $0.1.map { ($0.key.costCenter, $0.key.subscription, $0.cost) } }, decimals: 6)
        var index = 0
        for (segment, lines) in segments {
            let billingStart = segment.from.month.firstDay
            let billingEnd = segment.from.month.lastDay.adding(days: 1)
            for line in lines {
                defer { index += 1 }
                let key = line.key
                let center = report.costCenters.centers[key.costCenter]?.name ?? key.costCenter
                let row: [String] = [
                    instant(billingStart), instant(billingEnd), instant(segment.from), instant(segment.to.adding(days: 1)), report.currency,
                    text(key.subscription), text(key.costCenter), text(center), text(key.deployment), text(key.model), "Usage", text(key.meter),
                    String(line.quantity), key.unit.consumedUnit, key.price.map { DecimalText.text(micros: $0.micros) } ?? "", key.unit.rawValue,
                    rounded.lines[index]?.text(decimals: 6) ?? "", text(key.price?.version ?? ""), key.price == nil ? "unpriced" : "priced",
                    segment.revision.map(String.init) ?? "", segment.isProvisional ? "provisional" : "final", "",
                ]
                out += row.joined(separator: ",") + "\r\n"
            }
        }
        // The true-ups as the JSON report shows them (`RoundedTrueUps`): the usage rows add up to its
        // `total`, these to its `trueUpTotal`, all rows to its `grandTotal`.
        let revisions = Dictionary(report.reconciled.map { ($0.day, $0.snapshotRevision) }, uniquingKeysWith: { first, _ in first })
        let stale = Set(report.staleReconciliations)
        for (trueUp, amount) in zip(report.trueUps, RoundedTrueUps(report, decimals: 6).lines) {
            let day = trueUp.key.day
            let center = report.costCenters.centers[trueUp.costCenter]?.name ?? trueUp.costCenter
            let row: [String] = [
                instant(day.month.firstDay), instant(day.month.lastDay.adding(days: 1)), instant(day), instant(day.adding(days: 1)), report.currency,
                text(trueUp.subscription), text(trueUp.costCenter), text(center), text(trueUp.deployment), text(trueUp.key.model), "Adjustment",
                text(trueUp.key.meter), "", "", "", "", amount.text(decimals: 6), "", "true-up",
                revisions[day].map(String.init) ?? "", stale.contains(day) ? "true-up-stale" : "true-up", trueUp.reason.rawValue,
            ]
            out += row.joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func instant(_ day: CivilDay) -> String { "\(day)T00:00:00Z" }

    /// A text cell: quoted when needed; a leading `= + - @` is neutralised so a spreadsheet never runs it.
    /// `;` is quoted too: spreadsheets in locales whose list separator is `;` split on it.
    static func text(_ value: String) -> String {
        var cell = value
        if let first = cell.first, "=+-@\t\r".contains(first) { cell = "'" + cell }
        guard cell.contains(where: { $0 == "," || $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
        return "\"" + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
