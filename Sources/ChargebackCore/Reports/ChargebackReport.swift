import CivilCalendar

/// A chargeback report over a period: priced lines from snapshots (final) and from live counters for
/// days not yet snapshotted (provisional), with the daily totals. Every renderer (JSON, CSV, HTML)
/// reads this one model, so every format shows the same amounts.
public struct ChargebackReport: Sendable {
    /// Lines over a run of days with one status.
    public struct Segment: Sendable {
        /// First and last day covered (both included).
        public var from: CivilDay
        public var to: CivilDay
        /// The snapshot revision when the segment is one snapshotted day.
        public var revision: Int?
        /// True when computed from live counters (the day is open or not yet rolled up).
        public var isProvisional: Bool
        public var lines: [ChargeLine]

        public init(from: CivilDay, to: CivilDay, revision: Int?, isProvisional: Bool, lines: [ChargeLine]) {
            self.from = from
            self.to = to
            self.revision = revision
            self.isProvisional = isProvisional
            self.lines = lines
        }
    }

    /// One day's total.
    public struct Day: Sendable, Equatable {
        public var day: CivilDay
        /// The snapshot revision; nil when provisional.
        public var revision: Int?
        public var cost: Money
        public var unpricedLines: Int

        public init(day: CivilDay, revision: Int?, cost: Money, unpricedLines: Int) {
            self.day = day
            self.revision = revision
            self.cost = cost
            self.unpricedLines = unpricedLines
        }

        public var isProvisional: Bool { revision == nil }
    }

    /// A line of the period: equal keys and status added up over the segments.
    public struct Line: Sendable {
        public var key: ChargeKey
        public var quantity: Int64
        public var cost: Money?
        public var isProvisional: Bool
    }

    /// A total by some dimension (cost center, subscription, deployment).
    public struct Total: Sendable {
        public var name: String
        public var cost: Money
        public var unpricedLines: Int
    }

    public var from: CivilDay
    public var to: CivilDay
    public var currency: String
    public var priceBookName: String
    public var isIllustrative: Bool
    public var generatedAt: UTCTimestamp
    /// The cost center the report is limited to, if any.
    public var costCenterFilter: String?
    public var segments: [Segment] {
        didSet { lines = ChargebackReport.lines(of: segments) }
    }
    public var days: [Day]
    public var costCenters: CostCenters
    /// The days of the period reconciled with the invoice (`chargeback reconcile --apply`), each with
    /// its true-ups (only the cost center's under a filter), by day. Kept apart from the usage lines:
    /// `total` is usage, `trueUpTotal` the invoice's corrections, `grandTotal` both.
    public var reconciled: [AppliedTrueUps]
    /// The period's lines, added up over segments (final and provisional kept apart), in display order.
    public private(set) var lines: [Line]

    public init(from: CivilDay, to: CivilDay, currency: String, priceBookName: String, isIllustrative: Bool, generatedAt: UTCTimestamp,
                costCenterFilter: String?, segments: [Segment], days: [Day], costCenters: CostCenters, reconciled: [AppliedTrueUps] = []) {
        self.from = from
        self.to = to
        self.currency = currency
        self.priceBookName = priceBookName
        self.isIllustrative = isIllustrative
        self.generatedAt = generatedAt
        self.costCenterFilter = costCenterFilter
        self.segments = segments
        self.days = days
        self.costCenters = costCenters
        self.reconciled = reconciled.sorted { $0.day < $1.day }
        self.lines = ChargebackReport.lines(of: segments)
    }

    static func lines(of segments: [Segment]) -> [Line] {
        let final = segments.filter { !$0.isProvisional }
        let provisional = segments.filter(\.isProvisional)
        return lines(adding: final, isProvisional: false) + lines(adding: provisional, isProvisional: true)
    }

    /// The segments' lines added up by key, in display order. A single segment (a month read from its
    /// aggregate, whose keys are unique) skips the adding up; lines are sorted by index, not moved.
    static func lines(adding segments: [Segment], isProvisional: Bool) -> [Line] {
        var merged: [ChargeLine]
        if segments.count == 1, let only = segments.first {
            merged = only.lines
        } else {
            merged = segments.flatMap(\.lines).merged()
        }
        merged.removeAll { $0.quantity == 0 }
        let order = merged.indices.sorted { ChargeKey.precedes(merged[$0].key, merged[$1].key) }
        return order.map { index in
            let line = merged[index]
            return Line(key: line.key, quantity: line.quantity, cost: line.cost, isProvisional: isProvisional)
        }
    }

    /// Exact total of the priced lines.
    public var total: Money { segments.reduce(.zero) { $0 + $1.lines.pricedCost } }

    /// The true-up lines of the period, by day, in the order reconciliation wrote them.
    public var trueUps: [Reconciliation.TrueUp] { reconciled.flatMap(\.trueUps) }

    /// Exact sum of the true-ups.
    public var trueUpTotal: Money { trueUps.reduce(.zero) { $0 + $1.amount } }

    /// Usage and true-ups: what the period charges back once reconciled with the invoice.
    public var grandTotal: Money { total + trueUpTotal }

    /// Reconciled days whose snapshot has a later revision than the one their true-ups were computed
    /// from (late events rolled up since): reconcile them again.
    public var staleReconciliations: [CivilDay] {
        let revisions = Dictionary(days.map { ($0.day, $0.revision) }, uniquingKeysWith: { first, _ in first })
        return reconciled.filter { applied in revisions[applied.day].map { $0 != applied.snapshotRevision } ?? false }.map(\.day)
    }

    /// How many of the period's lines have no price.
    public var unpricedLines: Int { lines.count { $0.cost == nil } }

    /// Days computed from live counters.
    public var provisionalDays: [CivilDay] { days.filter(\.isProvisional).map(\.day) }

    /// Totals by a dimension of the key, largest first.
    public func totals(by dimension: (ChargeKey) -> String) -> [Total] {
        var byName: [String: Total] = [:]
        for line in lines {
            let name = dimension(line.key)
            var total = byName[name] ?? Total(name: name, cost: .zero, unpricedLines: 0)
            total.cost += line.cost ?? .zero
            total.unpricedLines += line.cost == nil ? 1 : 0
            byName[name] = total
        }
        return byName.values.sorted { ($0.cost, $1.name) > ($1.cost, $0.name) }
    }
}
