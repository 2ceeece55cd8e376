/// The chargeback report as JSON. Amounts are decimal strings: exact sums rounded half to even to
/// six places; an unpriced line's cost is null, never 0.
public struct ReportJSON: Sendable, Encodable {
    struct Period: Encodable {
        var from: String
        var to: String
    }

    struct Center: Encodable {
        var id: String
        var name: String
        var owner: String?
        var department: String?
        var cost: String
        var unpricedLines: Int
        var subscriptions: [Subscription]
    }

    struct Subscription: Encodable {
        var id: String
        var cost: String
        var unpricedLines: Int
    }

    struct Day: Encodable {
        var day: String
        var revision: Int?
        var provisional: Bool
        var cost: String
        var unpricedLines: Int
    }

    struct Line: Encodable {
        var costCenter: String
        var subscription: String
        var deployment: String
        var model: String
        var meter: String
        var quantity: Int64
        var unit: String
        var unitPrice: String?
        var pricingUnit: String
        var priceVersion: String?
        var cost: String?
        var provisional: Bool
    }

    var period: Period
    var currency: String
    var priceBook: String
    var illustrativePrices: Bool
    var generatedAt: String
    var costCenter: String?
    var total: String
    var unpricedLines: Int
    var provisionalDays: [String]
    var rounding = "exact sums, rounded half to even to 6 decimal places for display"
    var costCenters: [Center]
    var days: [Day]
    var lines: [Line]

    public init(_ report: ChargebackReport) {
        let lines = report.lines
        period = Period(from: report.from.description, to: report.to.description)
        currency = report.currency
        priceBook = report.priceBookName
        illustrativePrices = report.isIllustrative
        generatedAt = report.generatedAt.isoText
        costCenter = report.costCenterFilter
        total = report.total.text(decimals: 6)
        unpricedLines = report.unpricedLines
        provisionalDays = report.provisionalDays.map(\.description)
        let bySubscription = Dictionary(grouping: lines) { $0.key.costCenter }
        costCenters = report.totals(by: \.costCenter).map { total in
            let info = report.costCenters.centers[total.name]
            let subscriptions = ChargebackReport.totals(of: bySubscription[total.name] ?? [], by: \.subscription).map {
                Subscription(id: $0.name, cost: $0.cost.text(decimals: 6), unpricedLines: $0.unpricedLines)
            }
            return Center(id: total.name, name: info?.name ?? total.name, owner: info?.owner, department: info?.department,
                          cost: total.cost.text(decimals: 6), unpricedLines: total.unpricedLines, subscriptions: subscriptions)
        }
        days = report.days.map {
            Day(day: $0.day.description, revision: $0.revision, provisional: $0.isProvisional, cost: $0.cost.text(decimals: 6), unpricedLines: $0.unpricedLines)
        }
        self.lines = lines.map {
            Line(costCenter: $0.key.costCenter, subscription: $0.key.subscription, deployment: $0.key.deployment, model: $0.key.model,
                 meter: $0.key.meter, quantity: $0.quantity, unit: $0.key.unit.consumedUnit, unitPrice: $0.key.price.map { DecimalText.text(micros: $0.micros) },
                 pricingUnit: $0.key.unit.rawValue, priceVersion: $0.key.price?.version, cost: $0.cost?.text(decimals: 6), provisional: $0.isProvisional)
        }
    }
}
