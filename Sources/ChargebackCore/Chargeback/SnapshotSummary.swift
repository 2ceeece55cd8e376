/// What a day's snapshot revision says about itself: stored beside its lines, shown in reports.
/// Amounts are exact decimal text (every significant digit), never floating point.
public struct SnapshotSummary: Sendable, Codable, Equatable {
    public var day: String
    public var revision: Int
    /// When the revision was written (UTC, ISO 8601).
    public var createdAt: String
    /// `first rollup`, `late events`, `repriced`…
    public var reason: String
    public var currency: String
    public var priceBook: String
    /// Exact total of the priced lines.
    public var cost: String
    public var lines: Int
    public var unpricedLines: Int
    /// Unpriced lines per cost center.
    public var unpricedLinesByCostCenter: [String: Int]
    /// Why lines are unpriced (deployment not in the price book, meter without a price…).
    public var unpricedReasons: [String]
    /// Exact cost per cost center.
    public var costByCostCenter: [String: String]
    /// Change from the previous revision (absent for the first).
    public var changes: [Change]?

    /// One changed line.
    public struct Change: Sendable, Codable, Equatable {
        public var costCenter: String
        public var subscription: String
        public var deployment: String
        public var meter: String
        public var priceVersion: String?
        public var quantity: Int64
        /// Exact cost change; nil when unpriced.
        public var cost: String?

        enum CodingKeys: String, CodingKey {
            case costCenter, subscription, deployment, meter, priceVersion, quantity, cost
        }
    }

    enum CodingKeys: String, CodingKey {
        case day, revision, createdAt, reason, currency, priceBook, cost, lines, unpricedLines, unpricedLinesByCostCenter, unpricedReasons, costByCostCenter, changes
    }

    public init(day: String, revision: Int, createdAt: String, reason: String, currency: String, priceBook: String, lines: [ChargeLine],
                unpriced: Set<Unpriced>, delta: [ChargeLine]?) {
        self.day = day
        self.revision = revision
        self.createdAt = createdAt
        self.reason = reason
        self.currency = currency
        self.priceBook = priceBook
        self.cost = lines.pricedCost.exactText
        self.lines = lines.count
        self.unpricedLines = lines.unpricedCount
        self.unpricedReasons = unpriced.map(\.reason).sorted()
        var byCenter: [String: Money] = [:]
        var unpricedByCenter: [String: Int] = [:]
        for line in lines {
            byCenter[line.key.costCenter, default: .zero] += line.cost ?? .zero
            if line.key.price == nil { unpricedByCenter[line.key.costCenter, default: 0] += 1 }
        }
        self.unpricedLinesByCostCenter = unpricedByCenter
        self.costByCostCenter = byCenter.mapValues(\.exactText)
        self.changes = delta.map { lines in
            lines.map {
                Change(costCenter: $0.key.costCenter, subscription: $0.key.subscription, deployment: $0.key.deployment, meter: $0.key.meter,
                       priceVersion: $0.key.price?.version, quantity: $0.quantity, cost: $0.cost?.exactText)
            }
        }
    }
}
