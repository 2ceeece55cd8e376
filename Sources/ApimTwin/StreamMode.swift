/// The policy's streaming mode (named value `chargeback-stream-mode`, `policies/inbound-policy.xml`).
public enum StreamMode: String, Sendable, CaseIterable {
    /// Streamed chat completions get `stream_options.include_usage`; the whole response is read
    /// before the client gets it: exact usage, no streaming for the client.
    case buffered
    /// Streams pass through as they arrive; their response body is not captured (usage estimated).
    case passthrough
    /// Streamed calls go to the Function App's relay, which calls Azure OpenAI, streams the answer
    /// back as it comes and records the usage itself (exact); when the relay cannot answer, the
    /// call goes to Azure OpenAI directly, as in `passthrough` (estimated).
    case relay
}
