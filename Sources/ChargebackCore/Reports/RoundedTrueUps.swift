/// A report's true-ups rounded for display so that the figures shown add up: the grand total is the
/// exact usage + true-ups rounded half to even, the true-up total is that minus the usage total shown,
/// and the true-up lines and the per-cost-center sums share it by largest remainder.
public struct RoundedTrueUps: Sendable {
    public let grandTotal: Money
    public let total: Money
    /// In the order of `report.trueUps`.
    public let lines: [Money]
    /// By cost center, largest first (name breaks ties).
    public let costCenters: [(id: String, amount: Money)]

    public init(_ report: ChargebackReport, decimals: Int) {
        let trueUps = report.trueUps
        let grandUnits = report.grandTotal.rounded(decimals: decimals)
        let totalUnits = grandUnits - report.total.rounded(decimals: decimals)
        grandTotal = Apportion.money(units: grandUnits, decimals: decimals)
        total = Apportion.money(units: totalUnits, decimals: decimals)
        lines = Apportion.parts(trueUps.map(\.amount), into: totalUnits, decimals: decimals).map { Apportion.money(units: $0, decimals: decimals) }
        var byCenter: [String: Money] = [:]
        for trueUp in trueUps { byCenter[trueUp.costCenter, default: .zero] += trueUp.amount }
        let ids = byCenter.keys.sorted()
        let parts = Apportion.parts(ids.map { byCenter[$0] ?? .zero }, into: totalUnits, decimals: decimals)
        costCenters = zip(ids, parts).map { ($0, Apportion.money(units: $1, decimals: decimals)) }
            .sorted { ($0.amount, $1.id) > ($1.amount, $0.id) }
    }
}
