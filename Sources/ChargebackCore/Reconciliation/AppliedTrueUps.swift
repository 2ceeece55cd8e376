import CivilCalendar

/// One day's true-ups as `chargeback reconcile --apply` stored them: the day's latest reconciliation
/// replaces the earlier one whole (an empty list clears it), so applying the same export twice, or a
/// corrected one, never adds true-ups up. The report shows them apart from the usage lines.
public struct AppliedTrueUps: Sendable, Equatable {
    public var day: CivilDay
    /// When they were applied.
    public var appliedAt: UTCTimestamp
    /// The SHA-256 (hex) of the cost export they came from, for the audit trail.
    public var exportDigest: String
    /// The export's cost column compared (`BilledCost` or `EffectiveCost`).
    public var costColumn: String
    /// The day's snapshot revision the ledger side was read from: a later revision (late events)
    /// makes them stale until the day is reconciled again.
    public var snapshotRevision: Int
    public var trueUps: [Reconciliation.TrueUp]

    /// `trueUps` should all be of `day`; one of another day is stored as it is and refused when read
    /// back (`SnapshotRepository.trueUps` throws), never silently moved to `day`.
    public init(day: CivilDay, appliedAt: UTCTimestamp, exportDigest: String, costColumn: String, snapshotRevision: Int, trueUps: [Reconciliation.TrueUp]) {
        self.day = day
        self.appliedAt = appliedAt
        self.exportDigest = exportDigest
        self.costColumn = costColumn
        self.snapshotRevision = snapshotRevision
        self.trueUps = trueUps
    }

    /// The same day with only the true-ups of one cost center.
    public func only(costCenter: String?) -> AppliedTrueUps {
        guard let costCenter else { return self }
        var copy = self
        copy.trueUps = trueUps.filter { $0.costCenter == costCenter }
        return copy
    }
}

/// Stored as JSON with amounts as exact decimal text (`Money.exactText`), never a binary float.
extension AppliedTrueUps: Codable {
    enum CodingKeys: String, CodingKey {
        case day, appliedAt, exportDigest, costColumn, snapshotRevision, trueUps
    }

    enum TrueUpKeys: String, CodingKey {
        case day, model, deploymentType, meter, reason, costCenter, subscription, deployment, amount
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let day = CivilDay.parse(try container.decode(String.self, forKey: .day)),
              let appliedAt = UTCTimestamp.parse(try container.decode(String.self, forKey: .appliedAt)) else {
            throw Invalid(description: "applied true-ups: a day or time that is not ISO 8601")
        }
        self.day = day
        self.appliedAt = appliedAt
        exportDigest = try container.decode(String.self, forKey: .exportDigest)
        costColumn = try container.decode(String.self, forKey: .costColumn)
        snapshotRevision = try container.decode(Int.self, forKey: .snapshotRevision)
        var list = try container.nestedUnkeyedContainer(forKey: .trueUps)
        var trueUps: [Reconciliation.TrueUp] = []
        while !list.isAtEnd {
            let item = try list.nestedContainer(keyedBy: TrueUpKeys.self)
            guard let reason = Reconciliation.Reason(rawValue: try item.decode(String.self, forKey: .reason)),
                  let amount = Money(exactText: try item.decode(String.self, forKey: .amount)) else {
                throw Invalid(description: "applied true-ups of \(day): a reason or amount this version cannot read")
            }
            // Each true-up names its day, and it must be the record's: a record never moves money to another day.
            guard try item.decode(String.self, forKey: .day) == day.description else {
                throw Invalid(description: "applied true-ups of \(day): a true-up of another day")
            }
            let key = Reconciliation.Key(day: day, model: try item.decode(String.self, forKey: .model),
                                         deploymentType: try item.decode(String.self, forKey: .deploymentType), meter: try item.decode(String.self, forKey: .meter))
            trueUps.append(Reconciliation.TrueUp(key: key, reason: reason, costCenter: try item.decode(String.self, forKey: .costCenter),
                                                 subscription: try item.decode(String.self, forKey: .subscription),
                                                 deployment: try item.decode(String.self, forKey: .deployment), amount: amount))
        }
        self.trueUps = trueUps
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(day.description, forKey: .day)
        try container.encode(appliedAt.isoText, forKey: .appliedAt)
        try container.encode(exportDigest, forKey: .exportDigest)
        try container.encode(costColumn, forKey: .costColumn)
        try container.encode(snapshotRevision, forKey: .snapshotRevision)
        var list = container.nestedUnkeyedContainer(forKey: .trueUps)
        for trueUp in trueUps {
            var item = list.nestedContainer(keyedBy: TrueUpKeys.self)
            try item.encode(trueUp.key.day.description, forKey: .day)
            try item.encode(trueUp.key.model, forKey: .model)
            try item.encode(trueUp.key.deploymentType, forKey: .deploymentType)
            try item.encode(trueUp.key.meter, forKey: .meter)
            try item.encode(trueUp.reason.rawValue, forKey: .reason)
            try item.encode(trueUp.costCenter, forKey: .costCenter)
            try item.encode(trueUp.subscription, forKey: .subscription)
            try item.encode(trueUp.deployment, forKey: .deployment)
            try item.encode(trueUp.amount.exactText, forKey: .amount)
        }
    }
}
