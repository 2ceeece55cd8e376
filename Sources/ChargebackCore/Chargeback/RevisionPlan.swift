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

    /// `lhs` − `rhs` by key, zeros dropped.
    public static func difference(_ lhs: [ChargeLine], minus rhs: [ChargeLine]) -> [ChargeLine] {
        (lhs + rhs.map { ChargeLine(key: $0.key, quantity: -$0.quantity) }).merged()
    }
}

extension ChargeLine {
    /// The line without its price.
    var usageOnly: ChargeLine { ChargeLine(key: key.usage, quantity: quantity) }
}
