import ChargebackCore
import NIOConcurrencyHelpers
import RedisClient

/// The ledger in Redis: one atomic script per event in the billed subscription's slot (dedupe
/// marker, hourly counters, the day's dirty mark, the deployment cap; `RecordScript.script`). Before it: the creator of a created object is recorded, the subscription
/// a Responses or Batch result is billed to is resolved, and the day index is written, so counters
/// never exist that the rollup cannot find.
public final class RedisLedger: Ledger {
    let redis: any RedisCommandRouter
    let dedupeSeconds: Int
    let retentionSeconds: Int
    public let owners: ObjectOwners
    let deploymentCap: Int
    let listedDeployments: Set<String>
    let observe: @Sendable (LedgerNotice) -> Void
    /// (day, subscription) pairs this process has indexed; SADD is idempotent, this only saves round trips.
    private let indexed = NIOLockedValueBox<Set<String>>([])

    /// `deploymentCap` bounds the distinct deployments outside `listedDeployments` (the price book's)
    /// a subscription can add in a day; `observe` hears what metrics count.
    public init(redis: any RedisCommandRouter, dedupeDays: Int = 7, retentionDays: Int = 35, owners: ObjectOwners? = nil,
                deploymentCap: Int = 50, listedDeployments: Set<String> = [], observe: @escaping @Sendable (LedgerNotice) -> Void = { _ in }) {
        self.redis = redis
        self.dedupeSeconds = dedupeDays * 86_400
        self.retentionSeconds = retentionDays * 86_400
        self.owners = owners ?? ObjectOwners(redis: redis)
        self.deploymentCap = deploymentCap
        self.listedDeployments = listedDeployments
        self.observe = observe
    }

    public func record(_ event: UsageEvent) async throws -> RecordOutcome {
        if let created = event.createdObject, (200..<300).contains(event.statusCode) {
            try await owners.recordCreation(of: created, by: event.subscriptionId)
        }
        if let batchId = event.batchId, !event.producedFiles.isEmpty, (200..<300).contains(event.statusCode) {
            // A batch's output and error files belong to whoever created the batch.
            let creator = try await owners.owner(of: ObjectReference(kind: .batch, id: batchId)) ?? event.subscriptionId
            for file in event.producedFiles {
                try await owners.recordCreation(of: ObjectReference(kind: .file, id: file), by: creator)
            }
        }
        var subscription = event.subscriptionId
        var markerSeconds = dedupeSeconds
        var increments = event.counterIncrements
        var isOwnerUnknown = false
        let object = LedgerKeys.billedObject(of: event)
        if let object {
            let target = try await owners.billingTarget(of: object, caller: event.subscriptionId)
            subscription = target.subscription
            markerSeconds = owners.seconds(for: object.kind)
            isOwnerUnknown = !target.isOwnerKnown
            if isOwnerUnknown { increments.append((.ownerUnknown, 1)) }
        }
        if increments.contains(where: { $0.amount < 0 || $0.amount > LedgerKeys.counterCeiling }) { throw refusal() }
        let day = event.timestamp.dayText
        try await ensureIndexed(day: day, subscription: subscription)
        let (keys, arguments) = scriptCall(event, subscription: subscription, markerSeconds: markerSeconds,
                                           renewsMarker: object != nil, increments: increments)
        // Durable: with CHARGEBACK_DURABILITY, acknowledged only once a replica (or the disk) has it.
        let reply = try await RecordScript.script.run(on: redis, keys: keys, arguments: arguments, durable: true)
        guard case let .integer(value) = reply, let answer = RecordScript.Reply(rawValue: value) else {
            throw RedisError.unexpectedReply("the record script answered \(reply)")
        }
        switch answer {
        case .duplicate:
            return .duplicate
        case .counted, .countedAsUnlisted:
            if answer == .countedAsUnlisted { observe(.deploymentCapped) }
            if isOwnerUnknown { observe(.ownerUnknown) }
            return .recorded
        case .overflow:
            throw refusal()
        }
    }

    /// The keys and arguments of the record script for one event (`RecordScript.source` documents them).
    func scriptCall(_ event: UsageEvent, subscription: String, markerSeconds: Int, renewsMarker: Bool,
                    increments: [(counter: Counter, amount: Int64)]) -> (keys: [String], arguments: [String]) {
        let day = event.timestamp.dayText
        let dedupeId = LedgerKeys.dedupeId(of: event)
        var keys = [
            LedgerKeys.seen(subscription: subscription, dedupeId: dedupeId),
            LedgerKeys.hour(subscription: subscription, hour: LedgerKeys.hourText(event.timestamp)),
            LedgerKeys.dirtyDays(subscription: subscription),
            LedgerKeys.unlistedDeployments(subscription: subscription, day: day),
        ]
        // The call that created an object counted once per object (a streamed Responses create, as the
        // relay records it): its own request id is marked too (RecordScript, KEYS[5]). Only creates, so
        // polls of an object never add markers.
        if dedupeId != event.requestId, event.createdObject != nil {
            keys.append(LedgerKeys.seen(subscription: subscription, dedupeId: event.requestId))
        }
        var arguments = [String(markerSeconds), String(retentionSeconds), renewsMarker ? "1" : "0", day,
                         LedgerKeys.deployment(of: event), listedDeployments.contains(event.deployment) ? "1" : "0",
                         String(deploymentCap), String(LedgerKeys.counterCeiling)]
        for (counter, amount) in increments { arguments += [LedgerKeys.name(of: counter), String(amount)] }
        return (keys, arguments)
    }

    /// The record script and the call `record` makes for an event billed to its own subscription: for
    /// `chargeback inspect --record-call` (scripts/bench runs it under redis-benchmark, the Redis ceiling).
    /// `before`: the day-index commands `record` sends first.
    public func recordCall(for event: UsageEvent) -> (before: [[String]], script: String, keys: [String], arguments: [String]) {
        let (keys, arguments) = scriptCall(event, subscription: event.subscriptionId, markerSeconds: dedupeSeconds,
                                           renewsMarker: false, increments: event.counterIncrements)
        return (indexCommands(day: event.timestamp.dayText, subscription: event.subscriptionId), RecordScript.source, keys, arguments)
    }

    /// The day index's entry for a subscription, and the index's expiry.
    func indexCommands(day: String, subscription: String) -> [[String]] {
        let key = LedgerKeys.day(day)
        return [["SADD", key, subscription], ["EXPIRE", key, String(retentionSeconds)]]
    }

    /// The refusal of an event whose numbers would take a counter past the ceiling.
    func refusal() -> LedgerFailure {
        observe(.refused(code: "counter_overflow"))
        return LedgerFailure(code: "counter_overflow",
                             message: "an amount would take a counter of this subscription, deployment and hour past 10^15; the event was not counted",
                             status: 422)
    }

    /// Adds the subscription to the day index before its counters are written. The index lives in
    /// the day's slot, the counters in the subscription's, so on a cluster one script cannot write
    /// both; written first and awaited, the index can hold a subscription without counters (a
    /// failed script: harmless) but never counters without their subscription.
    func ensureIndexed(day: String, subscription: String) async throws {
        let marker = day + "|" + subscription
        guard !indexed.withLockedValue({ $0.contains(marker) }) else { return }
        for command in indexCommands(day: day, subscription: subscription) {
            _ = try await redis.send(command, key: command[1], durable: true)
        }
        indexed.withLockedValue { set in
            if set.count > 100_000 { set.removeAll() }
            set.insert(marker)
        }
    }
}

/// What the ledger reports for metrics, beside the outcome.
public enum LedgerNotice: Sendable, Equatable {
    /// An event was counted under `(unlisted)`: its subscription reached the day's cap of
    /// deployments outside the price book.
    case deploymentCapped
    /// A Responses or Batch result was billed to the caller because no creator was recorded.
    case ownerUnknown
    /// An event was refused (e.g. `counter_overflow`).
    case refused(code: String)
}
