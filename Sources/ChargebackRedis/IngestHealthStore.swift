import ChargebackCore
import FoundationEssentials
import RedisClient

/// Ingest requests and failures per UTC hour across every instance (`docs/redis-schema.md`):
/// one hash per hour, `cb:v1:{health}:ingest:<hour>` with fields `requests` and `errors`, kept
/// three days. Instances add their counts every few seconds; the error-rate alert reads them.
public struct IngestHealthStore: IngestHealthSource {
    let redis: any RedisCommandRouter
    let retentionSeconds: Int

    public init(redis: any RedisCommandRouter, retentionSeconds: Int = 3 * 86_400) {
        self.redis = redis
        self.retentionSeconds = retentionSeconds
    }

    /// Adds counts to an hour.
    public func add(hour: Int64, requests: Int64, errors: Int64) async throws {
        let key = HealthKeys.hour(hour)
        _ = try await redis.send(["HINCRBY", key, HealthKeys.requests, String(requests)], key: key)
        if errors > 0 {
            _ = try await redis.send(["HINCRBY", key, HealthKeys.errors, String(errors)], key: key)
        }
        _ = try await redis.send(["EXPIRE", key, String(retentionSeconds)], key: key)
    }

    /// The counts of an hour (zeros when nothing was counted).
    public func counts(hour: Int64) async throws -> (requests: Int64, errors: Int64) {
        let key = HealthKeys.hour(hour)
        let reply = try await redis.send(["HMGET", key, HealthKeys.requests, HealthKeys.errors], key: key)
        guard case let .array(values) = reply, values.count == 2 else { return (0, 0) }
        return (Self.integer(values[0]), Self.integer(values[1]))
    }

    static func integer(_ reply: RedisReply) -> Int64 {
        if case let .bulk(bytes) = reply { return Int64(String(decoding: bytes, as: UTF8.self)) ?? 0 }
        return 0
    }
}
