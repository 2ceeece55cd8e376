import ChargebackCore
import FoundationEssentials
import FunctionsProtocol

/// `health`: `GET /api/v1/health`, anonymous. Reports the version and a real Redis `PING`.
public struct HealthFunction: HTTPFunction {
    public static let name = "health"
    public static let route = "v1/health"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.anonymous

    let ping: @Sendable () async -> Bool

    /// `ping` answers whether Redis replied `PONG`.
    public init(ping: @escaping @Sendable () async -> Bool) {
        self.ping = ping
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        let report = HealthReport(version: ServiceVersion.current, redis: await ping() ? .ok : .down)
        if report.redis == .down { context.logger.warning("redis ping failed") }
        let body = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return FunctionResponse.json(status: report.httpStatus, body)
    }
}
