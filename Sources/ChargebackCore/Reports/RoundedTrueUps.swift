/// A report's true-ups rounded for display so that the figures shown add up, top down like
/// `RoundedTotals`: the grand total is the exact usage + true-ups rounded half to even, the true-up
/// total is that minus the usage total shown, the cost centers share it by largest remainder, and
/// each cost center's lines share its amount.
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
        let byCenter = Dictionary(grouping: trueUps.indices) { trueUps[$0].costCenter }
        let ids = byCenter.keys.sorted()
        let centerUnits = Apportion.parts(ids.map { id in (byCenter[id] ?? []).reduce(Money.zero) { $0 + trueUps[$1].amount } }, into: totalUnits,
                                          decimals: decimals)
        var lineUnits = [Int128](repeating: 0, count: trueUps.count)
        for (id, units) in zip(ids, centerUnits) {
            let indices = byCenter[id] ?? []
            for (index, part) in zip(indices, Apportion.parts(indices.map { trueUps[$0].amount }, into: units, decimals: decimals)) {
                lineUnits[index] = part
            }
        }
        lines = lineUnits.map { Apportion.money(units: $0, decimals: decimals) }
        costCenters = zip(ids, centerUnits).map { ($0, Apportion.money(units: $1, decimals: decimals)) }
            .sorted { ($0.amount, $1.id) > ($1.amount, $0.id) }
    }
}
