import Foundation

/// A client's request as the gateway receives it.
public struct TwinRequest: Sendable {
    public var method: String
    /// The path, e.g. `/openai/deployments/gpt-4o/chat/completions`.
    public var path: String
    /// The raw query string without `?` (may be empty).
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The query without any subscription key parameter (`api-key`, `subscription-key`, any case):
    /// what may go upstream. APIM's header `api-key` is deleted by the policy; the query form must be too.
    public var queryWithoutKeys: String {
        query.split(separator: "&").filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let decoded = (name.removingPercentEncoding ?? name).lowercased()
            return decoded != "api-key" && decoded != "subscription-key"
        }.joined(separator: "&")
    }

    /// The headers that go upstream, as the policy leaves them: the body's `Content-Type` and the
    /// client's `Accept`, never its key (`api-key`, `Ocp-Apim-Subscription-Key`, `Authorization`),
    /// and `Accept-Encoding: identity` whatever the client asked (the policy pins it: APIM cannot
    /// read a brotli answer, and a compressed body would be an unreadable envelope). The gateway's
    /// own credential (`upstreamKey`, a real Azure OpenAI's key) is added last.
    public func upstreamHeaders(upstreamKey: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let type = header("Content-Type") { headers.append(("Content-Type", type)) }
        if let accept = header("Accept") { headers.append(("Accept", accept)) }
        headers.append(("Accept-Encoding", "identity"))
        if let upstreamKey { headers.append(("api-key", upstreamKey)) }
        return headers
    }

    /// The first value of query parameter `name` (percent-decoded).
    public func queryValue(_ name: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init)?.removingPercentEncoding == name {
                return parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
            }
        }
        return nil
    }
}

/// What the inbound section decided for one call (`policies/inbound-policy.xml`, step by step).
public struct InboundDecision: Sendable {
    public var subscription: TwinSubscription
    /// Route `deployment-id`, else the body's `model` (`/openai/v1/…`), else empty.
    public var deployment: String
    public var isStream: Bool
    /// `stream_options.include_usage` was added to the upstream request.
    public var injectedUsage: Bool
    /// The captured request text (JSON bodies only), and its length in bytes (-1 when unknown).
    public var requestText: String?
    public var requestLength: Int
    /// What goes upstream.
    public var upstreamBody: [UInt8]
    public var apiVersion: String
}

/// A request refused before it reaches the API, as APIM answers it.
public enum InboundRefusal: Error, Equatable {
    case missingKey
    case invalidKey

    public var status: Int { 401 }
    /// APIM's own body for these (fixture `error-apim-401-missing-key.json`).
    public var body: String {
        switch self {
        case .missingKey:
            return #"{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }"#
        case .invalidKey:
            return #"{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }"#
        }
    }
}

/// The inbound section of the APIM policy, for the local twin.
public struct InboundPolicy: Sendable {
    public let directory: SubscriptionDirectory
    public let mode: StreamMode

    public init(directory: SubscriptionDirectory, mode: StreamMode) {
        self.directory = directory
        self.mode = mode
    }

    public func apply(_ request: TwinRequest) throws(InboundRefusal) -> InboundDecision {
        // The subscription key: `api-key` (how the Azure OpenAI SDKs send it), APIM's own header, or the query.
        guard let key = request.header("api-key") ?? request.header("Ocp-Apim-Subscription-Key") ?? request.queryValue("api-key"),
              !key.isEmpty else { throw .missingKey }
        guard let subscription = directory.subscription(forKey: key) else { throw .invalidKey }
        let isJSON = request.header("Content-Type")?.lowercased().contains("json") ?? false
        let requestText = isJSON && !request.body.isEmpty ? String(decoding: request.body, as: UTF8.self) : nil
        let requestLength = isJSON ? request.body.count : (request.header("Content-Length").flatMap { Int($0) } ?? (request.body.isEmpty ? 0 : request.body.count))
        let object = requestText.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let isStream = (object?["stream"] as? Bool) == true && CFBooleanLike.isBoolean(object?["stream"])
        let apiVersion = request.queryValue("api-version") ?? ""
        var decision = InboundDecision(
            subscription: subscription, deployment: Self.deployment(path: request.path, body: object), isStream: isStream,
            injectedUsage: false, requestText: requestText, requestLength: requestLength, upstreamBody: request.body, apiVersion: apiVersion)
        if let object, shouldInjectUsage(path: request.path, apiVersion: apiVersion, isStream: isStream, body: object) {
            var changed = object
            var options = object["stream_options"] as? [String: Any] ?? [:]
            options["include_usage"] = true
            changed["stream_options"] = options
            // Sorted keys: the same request always goes upstream as the same bytes (a reproducible demo).
            if let data = try? JSONSerialization.data(withJSONObject: changed, options: [.sortedKeys]) {
                decision.upstreamBody = Array(data)
                decision.injectedUsage = true
            }
        }
        return decision
    }

    /// `/openai/deployments/{deployment-id}/…` → the id; else the body's `model`.
    static func deployment(path: String, body: [String: Any]?) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 3, parts[0] == "openai", parts[1] == "deployments" {
            return String(parts[2]).removingPercentEncoding ?? String(parts[2])
        }
        return body?["model"] as? String ?? ""
    }

    /// Step 5 of the inbound policy: buffered streamed chat completions on an API version that
    /// accepts `stream_options`, unless the client asked for usage already.
    func shouldInjectUsage(path: String, apiVersion: String, isStream: Bool, body: [String: Any]) -> Bool {
        guard isStream, mode == .buffered, path.hasSuffix("/chat/completions") else { return false }
        // Azure On Your Data (`data_sources`) answers 400 to `stream_options`: never break a working call.
        guard body["data_sources"] == nil else { return false }
        // The v1 API and the OpenAI-style API (rewritten to it) take stream_options whatever the version.
        if !path.contains("/openai/v1/") && !path.lowercased().hasPrefix("/api/v1/openai/") {
            guard apiVersion.count >= 10, String(apiVersion.prefix(10)) >= "2024-09-01" else { return false }
        }
        let options = body["stream_options"] as? [String: Any]
        return !((options?["include_usage"] as? Bool) == true && CFBooleanLike.isBoolean(options?["include_usage"]))
    }
}

/// JSONSerialization gives JSON booleans and numbers as NSNumber; `true` and `1` must not be confused.
enum CFBooleanLike {
    static func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c" || type(of: number) == type(of: NSNumber(value: true))
    }
}
