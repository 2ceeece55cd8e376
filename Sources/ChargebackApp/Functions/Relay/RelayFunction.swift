import AzureIdentity
import ChargebackCore
import ChargebackSpool
import CurlClient
import FoundationEssentials
import FunctionsProtocol

/// `relay`: `POST /api/v1/relay[/<any path>]`, the ingest key (APIM's; APIM appends the operation's
/// path to the relay URL, which the relay ignores: `x-chargeback-upstream` names the target). In relay mode APIM sends streamed chat and
/// Responses calls here instead of to Azure OpenAI; the handler calls Azure OpenAI as the app's
/// managed identity and writes each server-sent event to the client as it arrives, then records the
/// call's usage itself, exactly as ingest would have from APIM's envelope (same extractor, same
/// ledger, same exactly-once id: APIM's request id). A streamed chat call that did not ask for usage
/// is sent with `stream_options.include_usage` and the usage chunk is kept from the client, so the
/// usage is reported, never estimated. A client that hangs up ends the upstream transfer; what was
/// sent until then is recorded, estimated and flagged.
///
/// APIM's policy sets (overriding whatever the client sent): `x-chargeback-request-id`
/// (`context.RequestId`), `x-chargeback-subscription-id`, `x-chargeback-timestamp`
/// (`context.Timestamp`), `x-chargeback-upstream` (the original path and api-version) and
/// `x-chargeback-deadline` (epoch ms after which the gateway has called Azure OpenAI itself). Only
/// an allow-list of the client's headers is passed on: the handler calls with its own identity.
public struct RelayFunction: HTTPFunction {
    public static let name = "relay"
    public static let route = "v1/relay/{*rest}"
    public static let methods = ["POST"]
    public static let access = FunctionAccess.ingest

    let setting: RelaySetting
    let ledger: any Ledger
    let curl: CurlHTTPClient
    let token: (@Sendable () async throws -> String)?
    let maxEnvelopeBytes: Int
    let concurrency: Int
    /// The write-ahead: each streaming call's estimate waits on disk until the call is recorded, so a
    /// handler that dies mid-stream still has its calls counted (estimated) by the next one.
    let journal: RelayJournal?
    let extractor = UsageExtractor()

    public init(setting: RelaySetting, ledger: any Ledger, curl: CurlHTTPClient, maxEnvelopeBytes: Int, concurrency: Int,
                journal: RelayJournal? = nil) {
        self.setting = setting
        self.ledger = ledger
        self.curl = curl
        self.maxEnvelopeBytes = maxEnvelopeBytes
        self.concurrency = concurrency
        self.journal = journal
        if case let .upstream(_, identity?) = setting {
            let credential = ManagedIdentityCredential(endpoint: identity.endpoint, secret: identity.secret, clientID: identity.clientID)
            // The credential caches the token until its renewal time: the endpoint is asked once per token.
            token = { try await credential.token(for: RelaySetting.openAIResource).token.token }
        } else {
            token = nil
        }
    }

    public var bodyLimit: BodyLimit? {
        BodyLimit(bytes: maxEnvelopeBytes, code: "request_too_large", setting: "CHARGEBACK_MAX_ENVELOPE_BYTES")
    }

    /// The only request headers passed upstream (an allow-list: keys, cookies, the host's and App
    /// Service's own headers never travel under the app's identity).
    static let forwardedRequestHeaders: Set<String> = ["content-type", "accept", "user-agent", "x-ms-client-request-id"]
    /// The only upstream response headers passed to the client.
    static let forwardedResponseHeaders: Set<String> = [
        "content-type", "x-ms-region", "apim-request-id", "x-request-id", "x-ms-client-request-id", "retry-after", "retry-after-ms",
        "x-ratelimit-remaining-tokens", "x-ratelimit-remaining-requests", "openai-processing-ms",
    ]
    /// Relayed streams in flight: past the concurrency, the relay answers 503 at once (unmarked, so
    /// the gateway calls Azure OpenAI directly) instead of queueing for a thread.
    let inFlight = RelayAdmission()

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        guard case let .upstream(base, _) = setting else {
            throw FunctionFailure(status: 503, code: "relay_not_configured", message: "the relay has no upstream (CHARGEBACK_RELAY_UPSTREAM)")
        }
        guard let requestId = request.header("x-chargeback-request-id"), !requestId.isEmpty else {
            throw FunctionFailure(status: 400, code: "missing_request_id", message: "x-chargeback-request-id (APIM's context.RequestId) is required")
        }
        guard let target = request.header("x-chargeback-upstream"), let path = RelayTarget.path(of: target) else {
            throw FunctionFailure(status: 400, code: "invalid_upstream_path",
                                  message: "x-chargeback-upstream must be a chat completions, completions or Responses path of Azure OpenAI")
        }
        let started = ContinuousClock.now
        let apiVersion = RelayTarget.apiVersion(of: target)
        let (body, injected) = StreamUsageOption.apply(to: request.body, path: path, apiVersion: apiVersion)
        var headers = request.headers.filter { Self.forwardedRequestHeaders.contains($0.name.lowercased()) }
        if let token {
            do {
                headers.append(("Authorization", "Bearer " + (try await token())))
            } catch {
                context.logger.error("relay: no token for Azure OpenAI", metadata: ["error.type": "\(type(of: error))"])
                throw FunctionFailure(status: 502, code: "upstream_credentials", message: "the relay could not get a token for Azure OpenAI")
            }
        }
        // An hour end to end: long reasoning streams run past 10 minutes; the host's functionTimeout bounds it too.
        let upstream = CurlRequest(method: "POST", url: base + target, headers: headers, body: body, timeoutMilliseconds: 3_600_000,
                                   maxResponseBytes: Int.max)
        // The gateway gives up on a relay that is slow to answer headers and calls Azure OpenAI itself:
        // past its deadline, calling Azure OpenAI here too would bill the call twice.
        if let deadline = request.header("x-chargeback-deadline").flatMap({ Int64($0) }), UTCTimestamp.now.millisecondsSinceEpoch > deadline {
            return Self.busy("the gateway's deadline has passed")
        }
        guard inFlight.admit(below: concurrency) else {
            return Self.busy("the relay carries CHARGEBACK_RELAY_CONCURRENCY streams already")
        }
        let head: CurlResponseHead
        let chunks: AsyncThrowingStream<[UInt8], any Error>
        do {
            (head, chunks) = try await curl.stream(upstream)
        } catch {
            inFlight.release()
            context.logger.warning("relay: upstream unreachable", metadata: ["error.type": "\(type(of: error))"])
            throw FunctionFailure(status: 502, code: "upstream_unreachable", message: "Azure OpenAI did not answer")
        }
        let call = RelayCall(requestId: requestId, subscriptionId: request.header("x-chargeback-subscription-id").flatMap { $0.isEmpty ? nil : $0 },
                             timestamp: request.header("x-chargeback-timestamp").flatMap { UTCTimestamp.parse($0) == nil ? nil : $0 }
                                 ?? UTCTimestamp.now.isoText,
                             path: path, apiVersion: apiVersion, requestBody: body, started: started,
                             status: head.status, contentType: head.header("Content-Type"))
        let passed = head.headers.filter { Self.forwardedResponseHeaders.contains($0.name.lowercased()) }
        let (out, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let relay = Task {
            // Written beside the stream, not before it: the client's first bytes never wait for a disk.
            let pending = head.status < 300 ? Task { await writeAhead(call, context: context) } : nil
            await forward(chunks, to: continuation, call: call, stripsUsage: injected && head.status < 300, pending: pending, context: context)
            inFlight.release()
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { relay.cancel() }
        }
        // The marker tells the gateway this answer is the relay's (Azure OpenAI's status passed on), not its host's.
        return FunctionResponse(status: head.status, headers: passed.map { ($0.name, $0.value) } + [("x-chargeback-relay", "1")], streaming: out) {
            relay.cancel()
        }
    }

    /// Passes the upstream answer on as it arrives, then records the call; stops reading upstream
    /// (which aborts the transfer) when the client goes away.
    func forward(_ chunks: AsyncThrowingStream<[UInt8], any Error>, to client: AsyncThrowingStream<[UInt8], any Error>.Continuation,
                 call: RelayCall, stripsUsage: Bool, pending: Task<RelayJournal.Entry?, Never>?, context: FunctionContext) async {
        var filter = RelayEventFilter(stripsUsage: stripsUsage)
        var capture = RelayCapture(limit: maxEnvelopeBytes)
        var clientGone = false
        var broken: (any Error)?
        do {
            for try await bytes in chunks {
                capture.append(bytes)
                let passed = filter.pass(bytes)
                if !passed.isEmpty, case .terminated = client.yield(passed) { clientGone = true }
                if clientGone || Task.isCancelled {
                    clientGone = true
                    break
                }
            }
            if Task.isCancelled { clientGone = true }
            if !clientGone { _ = client.yield(filter.finish()) }
        } catch {
            broken = error
            context.logger.warning("relay: the upstream answer broke off", metadata: ["error.type": "\(type(of: error))"])
        }
        // Recorded in a task of its own: this one is cancelled when the client leaves, and the spool's
        // thread pool refuses work from a cancelled task, which would lose the event with Redis down.
        let recorded = Task {
            let done = await record(call, capture: capture, clientGone: clientGone, context: context)
            // Recorded (or spooled): the estimate is not needed. Not recorded: it stays, and is adopted
            // into the spool once it is older than any stream (RelayJournal), so the call is still counted.
            if done, let entry = await pending?.value { await journal?.close(entry) }
        }
        await recorded.value
        // A stream that broke off ends broken for the client too, never as a complete answer.
        if let broken { client.finish(throwing: broken) } else { client.finish() }
    }

    /// The relay declines without calling Azure OpenAI: 503, unmarked, so the gateway goes direct.
    static func busy(_ reason: String) -> FunctionResponse {
        var answer = ErrorBody.response(status: 503, code: "relay_busy", message: "the relay did not call Azure OpenAI: \(reason)")
        answer.headers.append(("Retry-After", "1"))
        return answer
    }

    /// The call's estimate (its prompt; the answer not captured), written ahead; nil when it cannot be
    /// (logged: the call is then counted only if its handler lives to record it).
    func writeAhead(_ call: RelayCall, context: FunctionContext) async -> RelayJournal.Entry? {
        guard let journal else { return nil }
        let envelope = call.envelope(elapsedMilliseconds: 0, responseBody: nil, responseLength: -1, responseTail: nil)
        do {
            return try await journal.open(try extractor.extract(envelope.bytes))
        } catch {
            context.logger.warning("relay: no write-ahead estimate", metadata: ["error.type": "\(type(of: error))", "usage.request_id": "\(call.requestId)"])
            return nil
        }
    }

    /// Records the call as ingest would have from APIM's envelope; false when it could not be.
    @discardableResult
    func record(_ call: RelayCall, capture: RelayCapture, clientGone: Bool, context: FunctionContext) async -> Bool {
        let envelope = call.envelope(elapsedMilliseconds: FunctionRoutes.nanoseconds(since: call.started) / 1_000_000,
                                     responseBody: capture.head, responseLength: capture.length, responseTail: capture.tail)
        var logger = context.logger
        logger[metadataKey: "usage.request_id"] = "\(call.requestId)"
        do {
            let event = try extractor.extract(envelope.bytes)
            let outcome = try await ledger.record(event)
            context.telemetry.ingested(outcome: outcome.rawValue, bytes: capture.length)
            logger.info("usage relayed", metadata: [
                "usage.subscription_id": "\(event.subscriptionId)", "usage.deployment": "\(event.deployment)", "usage.source": "\(event.usageSource.rawValue)",
                "usage.input_tokens": "\(event.meters.inputTokens)", "usage.output_tokens": "\(event.meters.outputTokens)",
                "usage.outcome": "\(outcome.rawValue)", "relay.client_gone": "\(clientGone)", "relay.status": "\(call.status)",
            ])
            return true
        } catch {
            // The ledger's spool takes the event when Redis is down; this is the spool failing too. The
            // gateway posts no envelope for a relayed call: the write-ahead estimate stands in for it.
            context.telemetry.ingested(outcome: "failed", bytes: capture.length)
            logger.error("relay: the usage could not be recorded; its write-ahead estimate stays", metadata: ["error.type": "\(type(of: error))"])
            return false
        }
    }
}

/// What the relay knows of a call before its answer streams.
struct RelayCall: Sendable {
    var requestId: String
    var subscriptionId: String?
    var timestamp: String
    var path: String
    var apiVersion: String?
    var requestBody: [UInt8]
    var started: ContinuousClock.Instant
    var status: Int
    var contentType: String?

    /// The call's envelope with what was captured of its answer (nil: nothing, the write-ahead's).
    func envelope(elapsedMilliseconds: Int64, responseBody: [UInt8]?, responseLength: Int, responseTail: [UInt8]?) -> RelayEnvelope {
        RelayEnvelope(requestId: requestId, timestamp: timestamp, elapsedMilliseconds: elapsedMilliseconds, subscriptionId: subscriptionId,
                      path: path, apiVersion: apiVersion, statusCode: status, isStream: true, responseContentType: contentType,
                      requestBody: requestBody, responseBody: responseBody, responseLength: responseLength, responseTail: responseTail)
    }
}
