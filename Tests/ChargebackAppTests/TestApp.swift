import ChargebackApp
import Hummingbird
import Logging
import RedisClient
import TestSupport

/// Builds the real handler application for tests; Redis is the plain server `scripts/test` started.
enum TestApp {
    static func make(redisURL: String? = nil, maxBodyBytes: Int = 1 << 20, port: Int = 0) throws -> some ApplicationProtocol {
        let url = try redisURL ?? TestEnvironment.plainRedisURL()
        var configuration = Configuration(port: port, redis: try RedisEndpoint.parse(url), redisTimeoutMilliseconds: 5000)
        configuration.useTestKeys()
        configuration.maxBodyBytes = maxBodyBytes
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return ChargebackApplication.build(configuration, logger: logger)
    }
}
