import ChargebackCore
import CivilCalendar
import RedisClient

/// Read-only views of what only Redis knows, for `chargeback inspect`: the reliability suite and
/// `scripts/bench` read the ledger through it, so no key shape is spelled outside `RedisKeys.swift`.
public struct LedgerInspector: Sendable {
    let redis: any RedisCommandRouter

    public init(redis: any RedisCommandRouter) {
        self.redis = redis
    }

    /// The dedupe ids with a live marker under a subscription, sorted.
    public func dedupeIds(subscription: String) async throws -> [String] {
        let keys = try await redis.scanKeys(matching: LedgerKeys.seenPattern(subscription: subscription),
                                            routing: LedgerKeys.dirtyDays(subscription: subscription))
        return keys.compactMap(LedgerKeys.dedupeId(ofMarker:)).sorted()
    }

    /// The revision numbers of a day's snapshot present in Redis, sorted (a gap or a twin is a defect).
    public func revisions(_ day: CivilDay) async throws -> [Int] {
        try await redis.scanKeys(matching: SnapshotKeys.revisionPattern(day), routing: SnapshotKeys.latest(day))
            .compactMap(SnapshotKeys.revisionNumber(ofKey:)).sorted()
    }

    /// The cluster hash slot holding every key of a subscription (for a slot migration under load).
    public static func slot(subscription: String) -> Int {
        Int(RedisClusterPool.slot(of: Array(LedgerKeys.subscriptionTag(subscription).utf8)))
    }
}

extension RedisCommandRouter {
    /// Every key matching `pattern` on the node that owns `routing` (the pattern's keys share its
    /// hash tag), handed to `batch` a SCAN page at a time.
    func scanKeys(matching pattern: String, routing: String, _ batch: ([String]) async throws -> Void) async throws {
        var cursor = "0"
        repeat {
            let reply = try await send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"], key: routing)
            guard case let .array(parts) = reply, parts.count == 2, let next = parts[0].text, case let .array(keys) = parts[1] else {
                throw RedisError.unexpectedReply("SCAN answered \(reply)")
            }
            cursor = next
            try await batch(keys.compactMap(\.text))
        } while cursor != "0"
    }

    /// Every key matching `pattern` on the node that owns `routing`.
    func scanKeys(matching pattern: String, routing: String) async throws -> [String] {
        var all: [String] = []
        try await scanKeys(matching: pattern, routing: routing) { all += $0 }
        return all
    }
}
