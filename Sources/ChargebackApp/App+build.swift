import ChargebackCore
import FoundationEssentials
import Hummingbird
import Logging
import NIOPosix
import RedisClient

/// The composition root: the only place that names concrete types (hiredis connection, functions).
public enum ChargebackApplication {
    /// Builds the handler application for `configuration`.
    public static func build(_ configuration: Configuration, logger: Logger, ledger: (any Ledger)? = nil) -> some ApplicationProtocol {
        let redis = RedisConnection(endpoint: configuration.redis, timeoutMilliseconds: configuration.redisTimeoutMilliseconds)
        let router = Router()
        let routes = FunctionRoutes(routePrefix: configuration.routePrefix, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        routes.addReadiness(to: router)
        routes.add(IngestFunction(ledger: ledger ?? UnavailableLedger(), maxEnvelopeBytes: configuration.maxEnvelopeBytes), to: router)
        routes.add(UsageSummaryFunction(), to: router)
        routes.add(ChargebackReportFunction(), to: router)
        routes.add(HealthFunction(ping: { await redis.ping() }), to: router)
        routes.add(timer: RollupFunction(), to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            logger: logger)
    }
}
