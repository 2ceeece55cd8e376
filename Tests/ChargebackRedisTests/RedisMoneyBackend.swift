import ChargebackCore
import ChargebackRedis
import RedisClient
import TestSupport

extension MoneyBackend {
    /// The ledger and snapshots in the Redis `kind` names: `plain` or `cluster`.
    static func redis(_ kind: String) throws -> MoneyBackend {
        redis(try MoneyBackend.router(kind))
    }

    static func redis(_ router: any RedisCommandRouter) -> MoneyBackend {
        MoneyBackend(ledger: RedisLedger(redis: router), counters: LedgerReader(redis: router), snapshots: SnapshotStore(redis: router))
    }

    static func routers() throws -> [(String, any RedisCommandRouter)] {
        [
            ("plain", RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000)),
            ("cluster", RedisClusterPool(seeds: [try RedisEndpoint.parse("redis://" + (try TestEnvironment.clusterNodes()[0]))], timeoutMilliseconds: 5000)),
        ]
    }

    static func router(_ kind: String) throws -> any RedisCommandRouter {
        guard let router = try routers().first(where: { $0.0 == kind })?.1 else { throw TestEnvironment.Missing(description: "no router \(kind)") }
        return router
    }
}
