/// Where the relay sends streamed calls (`CHARGEBACK_RELAY_UPSTREAM`): nowhere (the relay answers
/// 503), or an Azure OpenAI endpoint reached as the app's managed identity (the Cognitive Services
/// OpenAI User role), or, for local runs, a plain-http loopback upstream with no credentials
/// (`CHARGEBACK_RELAY_AUTH=none`).
public enum RelaySetting: Sendable, Equatable {
    case off
    case upstream(baseURL: String, identity: RecordsSetting.Identity?)

    /// The token audience of Azure OpenAI (Microsoft Entra ID authentication of Azure OpenAI).
    public static let openAIResource = "https://cognitiveservices.azure.com"

    public static func fromEnvironment(_ environment: [String: String]) throws(Configuration.Error) -> RelaySetting {
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        guard let value = nonEmpty(environment["CHARGEBACK_RELAY_UPSTREAM"]) else { return .off }
        let base = value.hasSuffix("/") ? String(value.dropLast()) : value
        let isLoopback = base.hasPrefix("http://127.0.0.1:") || base.hasPrefix("http://localhost:")
        guard base.hasPrefix("https://") || isLoopback, !base.contains("?"), !base.contains("@") else {
            throw Configuration.Error(description: "CHARGEBACK_RELAY_UPSTREAM must be https://<account>.openai.azure.com (plain http only to a loopback upstream), with no query or credentials")
        }
        switch nonEmpty(environment["CHARGEBACK_RELAY_AUTH"]) ?? "managed-identity" {
        case "none":
            guard isLoopback else { throw Configuration.Error(description: "CHARGEBACK_RELAY_AUTH=none is for a loopback upstream only") }
            return .upstream(baseURL: base, identity: nil)
        case "managed-identity":
            guard let endpoint = nonEmpty(environment["IDENTITY_ENDPOINT"]), let secret = nonEmpty(environment["IDENTITY_HEADER"]) else {
                throw Configuration.Error(description: "the relay reaches Azure OpenAI as the app's managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER are missing")
            }
            return .upstream(baseURL: base, identity: .init(endpoint: endpoint, secret: secret, clientID: nonEmpty(environment["CHARGEBACK_RELAY_CLIENT_ID"])))
        default:
            throw Configuration.Error(description: "CHARGEBACK_RELAY_AUTH must be managed-identity or none")
        }
    }
}
