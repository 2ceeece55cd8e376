import RedisClient
import ServiceLifecycle

/// With Microsoft Entra authentication: every few seconds, authenticates again each Redis connection
/// whose token is due (off the commands' path: they go on with the current token), so none outlives
/// its token: Azure closes a connection whose token expires without a new AUTH, and asks for the
/// new one at least 3 minutes before expiry (learn.microsoft.com/azure/redis/entra-for-authentication).
public struct RedisCredentialRenewal: Service, CustomStringConvertible {
    /// The name the service group logs (see `SpoolReplayer.description`).
    public var description: String { "RedisCredentialRenewal" }
    let redis: any RedisCommandRouter
    let intervalMilliseconds: Int

    public init(redis: any RedisCommandRouter, intervalMilliseconds: Int = 5_000) {
        self.redis = redis
        self.intervalMilliseconds = intervalMilliseconds
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMilliseconds)) }
            await redis.renewCredentials()
        }
    }
}
