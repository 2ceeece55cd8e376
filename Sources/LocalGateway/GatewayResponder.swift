import ApimTwin
import ChargebackCore
import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// The local twin of the APIM gateway with the chargeback policy (local development only: it is
/// not APIM). Same contract v1, same streaming modes as `policies/`; upstream through libcurl.
struct GatewayResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let configuration: GatewayConfiguration
    let policy: InboundPolicy
    let curl: CurlHTTPClient
    let poster: EnvelopePoster
    let logger: Logger

    /// Response headers passed from the backend to the client.
    static let passedHeaders = ["content-type", "x-ms-region", "apim-request-id", "x-request-id", "retry-after", "x-ratelimit-remaining-tokens",
                                "x-ratelimit-remaining-requests", "openai-processing-ms"]

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == "/" { return Self.text(200, "APIM twin (local development only) is running\n", type: "text/plain") }
        if path == "/twin/stats" { return Self.text(200, String(decoding: try JSONEncoder().encode(poster.current), as: UTF8.self), type: "application/json") }
        // The APIs' allow-lists (infrastructure/apim-operations.tf, apim-compat.tf): anything else is
        // APIM's 404 and never goes upstream; an OpenAI-style call goes to Azure OpenAI's v1 path.
        guard let (operation, upstreamPath) = ApiOperations.route(method: request.method.rawValue, path: path) else {
            return Self.text(404, #"{ "statusCode": 404, "message": "Resource not found" }"#, type: "application/json")
        }
        let started = ContinuousClock.now
        let body = try await request.body.collect(upTo: 128 * 1024 * 1024)
        let twinRequest = TwinRequest(method: request.method.rawValue, path: path, query: request.uri.query ?? "",
                                      headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Array(buffer: body))
        let decision: InboundDecision
        do {
            decision = try policy.apply(twinRequest)
        } catch {
            return Self.text(error.status, error.body, type: "application/json")
        }
        var call = CallRecord(
            requestId: UUID().uuidString.lowercased(), timestamp: timestamp(request), elapsedMilliseconds: 0, subscription: decision.subscription,
            operationId: operation.id, method: twinRequest.method, path: path,
            apiVersion: decision.apiVersion, deployment: decision.deployment, isStream: decision.isStream,
            requestText: decision.requestText, requestLength: decision.requestLength)
        let deliveries = configuration.acceptsTestHeaders ? (twinRequest.header("x-twin-deliveries").flatMap { Int($0) } ?? 1) : 1
        let headers = twinRequest.upstreamHeaders(upstreamKey: configuration.upstreamKey)
        let query = twinRequest.queryWithoutKeys
        let url = configuration.upstream + upstreamPath + (query.isEmpty ? "" : "?" + query)
        // A JSON answer's headers come with its end, so the forward-request timeout bounds the whole
        // call; a stream's headers come at once, so it never fires there (the stream's body is bounded
        // by the client's idle limit instead: below, and in `passthrough`).
        let upstream = CurlRequest(method: twinRequest.method, url: url, headers: headers, body: decision.upstreamBody,
                                   timeoutMilliseconds: decision.isStream ? 600_000 : configuration.forwardTimeoutMilliseconds)
        do {
            if decision.isStream && policy.mode == .passthrough {
                return try await passthrough(upstream, call: call, started: started, deliveries: deliveries)
            }
            // Inbound step 4: only streamed chat completions, completions and Responses calls are
            // relayed; any other stream is buffered.
            let lowered = path.lowercased()
            let relayed = ["/chat/completions", "/completions", "/responses"].contains { lowered.hasSuffix($0) }
            if decision.isStream && policy.mode == .relay && relayed {
                // The relay takes the api-version alone (the only query Azure OpenAI's inference calls use).
                let target = upstreamPath + (decision.apiVersion.isEmpty ? "" : "?api-version=" + decision.apiVersion)
                // As set-backend-service base-url does: the operation's path below the API's base
                // (Azure OpenAI's /openai) and the query follow the relay URL.
                let below = upstreamPath.hasPrefix("/openai") ? String(upstreamPath.dropFirst(7)) : upstreamPath
                let url = configuration.relayURL + below + (query.isEmpty ? "" : "?" + query)
                if let relayed = await relay(twinRequest, url: url, target: target, call: call) { return relayed }
                return try await passthrough(upstream, call: call, started: started, deliveries: deliveries)
            }
            let response = try await curl.perform(upstream)
            let type = response.header("Content-Type") ?? ""
            let readable = type.contains("json") || type.contains("text/event-stream")
            call.elapsedMilliseconds = Self.milliseconds(since: started)
            let answer = BackendAnswer(statusCode: response.status, contentType: type, backendRegion: response.header("x-ms-region") ?? "",
                                       body: readable ? response.body : nil,
                                       length: readable ? response.body.count : (response.header("Content-Length").flatMap { Int($0) } ?? -1))
            poster.post(Envelope.outbound(call, answer, maxBodyBytes: configuration.maxBodyBytes), deliveries: deliveries)
            // Buffered: the client got nothing while the gateway read the whole answer. Past the idle
            // limit the load balancer has dropped its connection (the outbound section still ran:
            // the twin's assumption, not verified in APIM).
            if call.elapsedMilliseconds > Double(configuration.clientIdleMilliseconds) { return Self.dropped(configuration.clientIdleMilliseconds) }
            return Response(status: .init(code: response.status), headers: Self.fields(response.headers),
                            body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
        } catch let error as CurlError where error.code == 28 && !decision.isStream {
            // No response headers within the forward-request timeout: on-error, as APIM's timeout.
            logger.warning("upstream timed out", metadata: ["twin.forward_timeout_ms": "\(configuration.forwardTimeoutMilliseconds)"])
            call.elapsedMilliseconds = Self.milliseconds(since: started)
            poster.post(Envelope.onError(call, statusCode: 504, errorSource: "forward-request", reason: "Timeout",
                                         maxBodyBytes: configuration.maxBodyBytes), deliveries: deliveries)
            return Self.text(504, #"{ "statusCode": 504, "message": "Gateway timeout" }"#, type: "application/json")
        } catch {
            // The backend could not be reached: APIM answers 500 and on-error posts the envelope.
            logger.warning("upstream unreachable", metadata: ["error.reason": "\(error)"])
            call.elapsedMilliseconds = Self.milliseconds(since: started)
            poster.post(Envelope.onError(call, statusCode: 500, errorSource: "forward-request", reason: "BackendConnectionFailure",
                                         maxBodyBytes: configuration.maxBodyBytes), deliveries: deliveries)
            return Self.text(500, #"{ "statusCode": 500, "message": "Internal server error" }"#, type: "application/json")
        }
    }

    /// A passthrough stream: chunks reach the client as they arrive; the envelope (no response
    /// body, as the policy does not read it) is posted when the stream has ended.
    func passthrough(_ upstream: CurlRequest, call: CallRecord, started: ContinuousClock.Instant, deliveries: Int) async throws -> Response {
        let (head, stream) = try await curl.stream(upstream)
        let answer = BackendAnswer(statusCode: head.status, contentType: head.header("Content-Type") ?? "", backendRegion: head.header("x-ms-region") ?? "",
                                   body: nil, length: head.header("Content-Length").flatMap { Int($0) } ?? -1)
        let poster = self.poster
        let maxBodyBytes = configuration.maxBodyBytes
        let idle = Duration.milliseconds(configuration.clientIdleMilliseconds)
        let body = ResponseBody { writer in
            var call = call
            defer {
                call.elapsedMilliseconds = Self.milliseconds(since: started)
                poster.post(Envelope.outbound(call, answer, maxBodyBytes: maxBodyBytes), deliveries: deliveries)
            }
            // A gap between chunks longer than the idle limit (a model thinking before its first
            // token): the load balancer has dropped the client, which sees its stream end there. The
            // backend's answer is still read to its end, as it is generated and billed anyway.
            var last = ContinuousClock.now
            var dropped = false
            for try await chunk in stream {
                if !dropped, ContinuousClock.now - last > idle {
                    dropped = true
                    try await writer.finish(nil)
                }
                if !dropped { try await writer.write(ByteBuffer(bytes: chunk)) }
                last = ContinuousClock.now
            }
            if !dropped { try await writer.finish(nil) }
        }
        return Response(status: .init(code: head.status), headers: Self.fields(head.headers), body: body)
    }

    /// Relay mode (`policies/backend-policy.xml`, section 3): the call goes to the Function App's
    /// relay with the policy's headers (APIM's request id, subscription, timestamp, the Azure OpenAI
    /// path, the deadline; the ingest key, never the client's), and its answer streams to the client
    /// as it comes. The relay records the usage; the gateway posts no envelope for it (its outbound
    /// section runs at the relay's headers, before the stream, so it cannot see a stream break off).
    /// nil when the relay is unreachable, does not answer headers within
    /// `relayHeadTimeoutMilliseconds`, or answers anything that is not the relay's own answer (its
    /// host or the handler refusing): the caller then goes to Azure OpenAI directly, as the policy's
    /// retry does, so no client call fails because of chargeback.
    func relay(_ request: TwinRequest, url: String, target: String, call: CallRecord) async -> Response? {
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + Int64(configuration.relayHeadTimeoutMilliseconds)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", request.header("content-type") ?? "application/json"), ("x-chargeback-request-id", call.requestId),
            ("x-chargeback-timestamp", call.timestamp), ("x-chargeback-upstream", target), ("x-chargeback-deadline", String(deadline)),
        ]
        headers.append(("x-chargeback-subscription-id", call.subscription.id))
        if let key = configuration.functionKey { headers.append(("x-functions-key", key)) }
        // APIM passes the client's other headers on (the relay keeps an allow-list of them).
        for name in ["accept", "user-agent", "x-ms-client-request-id"] {
            if let value = request.header(name) { headers.append((name, value)) }
        }
        let attempt = Task { try await curl.stream(CurlRequest(method: "POST", url: url, headers: headers, body: request.body,
                                                               timeoutMilliseconds: 600_000)) }
        let timeout = Duration.milliseconds(configuration.relayHeadTimeoutMilliseconds)
        // Whichever comes first, the relay's headers or the timeout (a task group would wait for both).
        typealias Answer = (head: CurlResponseHead, body: AsyncThrowingStream<[UInt8], any Error>)
        let answered: Answer? = await withCheckedContinuation { continuation in
            let pending = Mutex<CheckedContinuation<Answer?, Never>?>(continuation)
            let resume: @Sendable (Answer?) -> Void = { answer in pending.withLock { $0.take() }?.resume(returning: answer) }
            Task { resume(try? await attempt.value) }
            Task {
                try? await Task.sleep(for: timeout)
                resume(nil)
            }
        }
        guard let (head, stream) = answered else {
            // Too slow or unreachable. A late answer is dropped unread, which ends its transfer.
            Task { _ = try? await attempt.value }
            logger.warning("relay unavailable: the call goes to Azure OpenAI directly (passthrough, usage estimated)")
            return nil
        }
        // Only the relay's own answers (marked) go to the client: a refusal by its host or the handler
        // (a key, a limit, busy, a restart) never reached Azure OpenAI, so going direct is safe.
        guard head.header("x-chargeback-relay") == "1" else {
            logger.warning("relay unavailable: it answered \(head.status) itself; the call goes to Azure OpenAI directly (passthrough, usage estimated)")
            return nil
        }
        // A stream that breaks off ends broken for the client too (the relay recorded what it sent).
        let body = ResponseBody { writer in
            for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: .init(code: head.status), headers: Self.fields(head.headers), body: body)
    }

    /// `x-twin-timestamp` when test headers are accepted and it parses; else now.
    func timestamp(_ request: Request) -> String {
        if configuration.acceptsTestHeaders, let name = HTTPField.Name("x-twin-timestamp"), let text = request.headers[name],
           let timestamp = UTCTimestamp.parse(text) {
            return PolicyTimestamp.format(nanosecondsSinceEpoch: timestamp.millisecondsSinceEpoch * 1_000_000)
        }
        let now = Date().timeIntervalSince1970
        return PolicyTimestamp.format(nanosecondsSinceEpoch: Int64(now * 1_000_000_000))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func fields(_ headers: [(name: String, value: String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers where passedHeaders.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return fields
    }

    /// What stands for a connection the load balancer dropped: a real client sees the connection
    /// closed with no answer; the twin answers 504 and says why.
    static func dropped(_ milliseconds: Int) -> Response {
        var response = text(504, #"{ "statusCode": 504, "message": "(APIM twin) the client connection carried nothing for \#(milliseconds) ms: the load balancer drops it" }"#,
                            type: "application/json")
        if let name = HTTPField.Name("x-twin-dropped") { response.headers[name] = "client-idle" }
        return response
    }

    static func text(_ status: Int, _ body: String, type: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
