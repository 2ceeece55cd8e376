import ApimTwin

/// How the local twin of the APIM gateway runs (`local-gateway gateway --help`).
public struct GatewayConfiguration: Sendable {
    public var port: Int
    /// Azure OpenAI, real or synthetic: `https://<resource>.openai.azure.com` or `http://127.0.0.1:8081`.
    public var upstream: String
    /// Sent upstream as `api-key` (a real Azure OpenAI); nil for the synthetic upstream.
    public var upstreamKey: String?
    /// The ingest function (named value `chargeback-function-url`).
    public var ingestURL: String
    /// Named value `chargeback-function-key`.
    public var functionKey: String?
    public var mode: StreamMode
    /// Named value `chargeback-max-body-bytes`.
    public var maxBodyBytes: Int
    /// Honour `x-twin-timestamp` (replaying a past day) and `x-twin-deliveries` (duplicate posts):
    /// for local demos and tests only.
    public var acceptsTestHeaders: Bool
    public var subscriptions: SubscriptionDirectory
    /// `forward-request timeout` (policies/backend-policy.xml: 240 s, the most APIM honours): how
    /// long the gateway waits for the backend's response headers.
    public var forwardTimeoutMilliseconds = 240_000
    /// How long the client's connection may carry nothing before it is dropped: Azure Load
    /// Balancer's 4-minute idle timeout, which APIM's guidance for server-sent events names.
    public var clientIdleMilliseconds = 240_000
    /// Relay mode: the Function App's relay function (named value `chargeback-relay-url`).
    public var relayURL = "http://127.0.0.1:7071/api/v1/relay"
    /// Relay mode: how long the relay may take to answer headers before the call goes to Azure
    /// OpenAI directly.
    public var relayHeadTimeoutMilliseconds = 10_000

    public init(port: Int, upstream: String, upstreamKey: String?, ingestURL: String, functionKey: String?, mode: StreamMode,
                maxBodyBytes: Int, acceptsTestHeaders: Bool, subscriptions: SubscriptionDirectory) {
        self.port = port
        self.upstream = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
        self.upstreamKey = upstreamKey
        self.ingestURL = ingestURL
        self.functionKey = functionKey
        self.mode = mode
        self.maxBodyBytes = maxBodyBytes
        self.acceptsTestHeaders = acceptsTestHeaders
        self.subscriptions = subscriptions
    }
}
