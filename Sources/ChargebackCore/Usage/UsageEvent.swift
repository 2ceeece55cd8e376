/// One request's usage, as the ledger records it: identifiers and numbers only, never body text.
public struct UsageEvent: Sendable, Equatable {
    /// APIM `context.RequestId`: the idempotency key.
    public var requestId: String
    /// When APIM received the request (UTC).
    public var timestamp: UTCTimestamp
    /// APIM subscription id (never the key); `anonymous` when the API needs none.
    public var subscriptionId: String
    /// APIM subscription name, product, user, API and operation, when the policy sent them.
    public var subscriptionName: String?
    public var productId: String?
    public var userId: String?
    public var apiId: String?
    public var operationId: String?
    /// The Azure OpenAI deployment (route parameter or the body's `model` on `/openai/v1/…`); empty when unknown.
    public var deployment: String
    /// The response's `model`, e.g. `gpt-4o-2024-11-20`.
    public var modelVersion: String?
    /// The kind of call.
    public var operation: Operation
    /// The backend's (or APIM's) status code; 0 when there was no response.
    public var statusCode: Int
    /// True for streamed (SSE) calls.
    public var isStream: Bool
    /// Where the numbers come from.
    public var usageSource: UsageSource
    /// The billable quantities.
    public var meters: Meters
    /// The Responses API id (`resp_…`), so that a background response is counted once.
    public var responseId: String?
    /// The Batch API id (`batch_…`): a completed batch's usage is counted once under it.
    public var batchId: String?
    /// The object this call created (`POST …/responses`, `…/batches`, `…/files` answered 2xx), so the
    /// ledger can remember its owner; nil for every other call. Set by extraction.
    public var createdObject: ObjectReference?
    /// Files Azure made for a batch (`output_file_id`, `error_file_id`, from a 2xx batch object):
    /// they belong to the batch's creator, so the gateway lets that subscription download them.
    public var producedFiles: [String] = []
    /// Facts about how the numbers were obtained, e.g. `stream_without_usage`, `content_filtered`.
    public var flags: [String]
    /// `outbound` or `on-error`.
    public var source: String
    /// Gateway and backend regions, when sent.
    public var gatewayRegion: String?
    public var backendRegion: String?

    public init(
        requestId: String, timestamp: UTCTimestamp, subscriptionId: String, deployment: String, operation: Operation,
        statusCode: Int, isStream: Bool, usageSource: UsageSource, meters: Meters, source: String
    ) {
        self.requestId = requestId
        self.timestamp = timestamp
        self.subscriptionId = subscriptionId
        self.deployment = deployment
        self.operation = operation
        self.statusCode = statusCode
        self.isStream = isStream
        self.usageSource = usageSource
        self.meters = meters
        self.flags = []
        self.source = source
    }
}
