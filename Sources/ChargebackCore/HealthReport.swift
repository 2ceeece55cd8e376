/// What `GET /api/v1/health` reports: the service version and whether the ledger store answers.
public struct HealthReport: Codable, Sendable, Equatable {
    /// The store's state.
    public enum StoreState: String, Codable, Sendable {
        case ok, down
    }

    /// `ok` when every dependency answers, `degraded` otherwise.
    public var status: String
    /// The service version.
    public var version: String
    /// Redis `PING` result.
    public var redis: StoreState

    enum CodingKeys: String, CodingKey {
        case status, version, redis
    }

    public init(version: String, redis: StoreState) {
        self.status = redis == .ok ? "ok" : "degraded"
        self.version = version
        self.redis = redis
    }

    /// The HTTP status the report is served with: 503 while a dependency is down.
    public var httpStatus: Int { redis == .ok ? 200 : 503 }
}
