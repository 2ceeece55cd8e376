/// Whether a day's freshly priced lines make a new snapshot revision, and what changed.
/// Snapshots are immutable: a revision is added only when usage changed (late events) or when a
/// reprice was asked for and prices differ; the change is recorded with the revision, never silent.
public enum RevisionPlan: Sendable, Equatable {
    /// Nothing new: the latest revision stands.
    case unchanged
    /// Write a new revision; `delta` is current minus previous, line by line (priced keys).
    case revise(reason: String, delta: [ChargeLine])

    /// Compares the latest revision's lines (nil when there is none) with the current lines.
    public static func plan(previous: [ChargeLine]?, current: [ChargeLine], reprice: Bool) -> RevisionPlan {
        let now = current.merged()
        guard let previous else { return .revise(reason: "first rollup", delta: now) }
        let before = previous.merged()
        let delta = difference(now, minus: before)
        guard !delta.isEmpty else { return .unchanged }
        let usageChanged = !difference(now.map(\.usageOnly), minus: before.map(\.usageOnly)).isEmpty
        switch (usageChanged, reprice) {
        case (false, false): return .unchanged
        case (false, true): return .revise(reason: "repriced", delta: delta)
        case (true, _):
            var pricesBefore: [ChargeKey: Set<LinePrice?>] = [:]
            for line in before { pricesBefore[line.key.usage, default: []].insert(line.key.price) }
            let repriced = now.contains { line in pricesBefore[line.key.usage].map { !$0.contains(line.key.price) } ?? false }
            return .revise(reason: repriced ? "late events; prices differ from the previous revision" : "late events", delta: delta)
        }
    }

    /// The first subscription, deployment and meter whose quantity in `current` is below `previous`
    /// (`subscription/deployment/meter`), nil when none is. Hourly counters only grow, so less usage
    /// than a snapshot already holds means the counters are incomplete, not that usage went away. Cost
    /// centers, models and prices may change between revisions: they are not part of the comparison.
    /// Nor are provisioned (PTU) hours: they are shared, not counted, so a late event moves them from
    /// the unused-capacity line (or from other users) to its subscription while the hour stays whole.
    public static func shrunkUsage(previous: [ChargeLine], current: [ChargeLine]) -> String? {
        func totals(_ lines: [ChargeLine]) -> [String: Int64] {
            var result: [String: Int64] = [:]
            for line in lines where line.key.meter != BillingMeter.provisioned.name {
                result[line.key.subscription + "/" + line.key.deployment + "/" + line.key.meter, default: 0] += line.quantity
            }
            return result
        }
        let now = totals(current)
        return totals(previous).filter { (now[$0.key] ?? 0) < $0.value }.keys.sorted().first
    }

    /// `lhs` − `rhs` by key, zeros dropped.
    public static func difference(_ lhs: [ChargeLine], minus rhs: [ChargeLine]) -> [ChargeLine] {
        (lhs + rhs.map { ChargeLine(key: $0.key, quantity: -$0.quantity) }).merged()
    }
}

extension ChargeLine {
    /// The line without its price.
    var usageOnly: ChargeLine { ChargeLine(key: key.usage, quantity: quantity) }
}
