import FunctionsProtocol

/// `metrics`: `GET /api/v1/metrics`, function key. This instance's metrics in the Prometheus text
/// format (ingest counts and latency, payload sizes, extraction errors, Redis latency and errors,
/// spool replays, rollup runs, alert deliveries). Each instance answers for itself; Azure Monitor
/// reads the same signals from the JSON logs (`infrastructure/alerts.tf`).
public struct MetricsFunction: HTTPFunction {
    public static let name = "metrics"
    public static let route = "v1/metrics"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.fullReport

    public init() {}

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        FunctionResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
                         body: context.telemetry.exposition())
    }
}
