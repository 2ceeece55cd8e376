import ApimTwin
import ChargebackCore
import Foundation
import Testing
import TestSupport

@Suite("APIM twin: the policy's decisions and envelopes")
struct ApimTwinTests {
    let directory = try! SubscriptionDirectory([TwinSubscription(key: "k-1", id: "team-a", name: "Team A", productId: "p")])

    func request(_ path: String, query: String = "api-version=2024-10-21", body: String, headers: [(String, String)] = [("api-key", "k-1")]) -> TwinRequest {
        TwinRequest(method: "POST", path: path, query: query, headers: headers + [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    @Test("the key comes from api-key, Ocp-Apim-Subscription-Key or the query; missing and unknown keys are APIM's 401s")
    func keys() throws {
        let policy = InboundPolicy(directory: directory, mode: .buffered)
        let path = "/openai/deployments/gpt-4o/chat/completions"
        #expect(try policy.apply(request(path, body: "{}")).subscription.id == "team-a")
        #expect(try policy.apply(request(path, body: "{}", headers: [("Ocp-Apim-Subscription-Key", "k-1")])).subscription.id == "team-a")
        #expect(try policy.apply(request(path, query: "api-version=x&api-key=k-1", body: "{}", headers: [])).subscription.id == "team-a")
        #expect(throws: InboundRefusal.missingKey) { try policy.apply(request(path, body: "{}", headers: [])) }
        #expect(throws: InboundRefusal.invalidKey) { try policy.apply(request(path, body: "{}", headers: [("api-key", "nope")])) }
    }

    @Test("an api-key or subscription-key in the query never goes upstream")
    func queryKeyStripped() {
        let sent = request("/openai/deployments/gpt-4o/chat/completions", query: "api-version=2024-10-21&api-key=k-1&Subscription-Key=k-1&x=1", body: "{}")
        #expect(sent.queryWithoutKeys == "api-version=2024-10-21&x=1")
        #expect(request("/p", query: "api%2Dkey=k-1", body: "{}").queryWithoutKeys.isEmpty)
    }

    @Test("Accept-Encoding is pinned to identity and no client key goes upstream, whatever the client sends")
    func upstreamHeaders() {
        let sent = request("/openai/deployments/gpt-4o/chat/completions", body: "{}",
                           headers: [("api-key", "k-1"), ("Accept-Encoding", "br, gzip"), ("Authorization", "Bearer team-token"),
                                     ("Ocp-Apim-Subscription-Key", "k-1"), ("Accept", "text/event-stream")])
        let headers = sent.upstreamHeaders(upstreamKey: nil)
        #expect(headers.filter { $0.name.lowercased() == "accept-encoding" }.map(\.value) == ["identity"])
        #expect(!headers.contains { ["api-key", "authorization", "ocp-apim-subscription-key"].contains($0.name.lowercased()) })
        #expect(headers.contains { $0.name == "Accept" && $0.value == "text/event-stream" })
        #expect(sent.upstreamHeaders(upstreamKey: "azure-key").last.map { $0.name == "api-key" && $0.value == "azure-key" } == true)
    }

    @Test("On Your Data (data_sources) never gets include_usage injected: Azure answers 400 to it")
    func onYourData() throws {
        let policy = InboundPolicy(directory: directory, mode: .buffered)
        let decision = try policy.apply(request("/openai/deployments/gpt-4o/chat/completions",
                                                body: #"{"messages":[],"stream":true,"data_sources":[{"type":"azure_search"}]}"#))
        #expect(!decision.injectedUsage)
        #expect(decision.upstreamBody == Array(#"{"messages":[],"stream":true,"data_sources":[{"type":"azure_search"}]}"#.utf8))
    }

    @Test("deployment from the route, else the body's model; stream only for a JSON true")
    func deploymentAndStream() throws {
        let policy = InboundPolicy(directory: directory, mode: .passthrough)
        let routed = try policy.apply(request("/openai/deployments/gpt-4o/chat/completions", body: #"{"model":"other","stream":true}"#))
        #expect(routed.deployment == "gpt-4o")
        #expect(routed.isStream)
        #expect(!routed.injectedUsage)
        let v1 = try policy.apply(request("/openai/v1/responses", query: "", body: #"{"model":"gpt-41-mini","stream":1}"#))
        #expect(v1.deployment == "gpt-41-mini")
        #expect(!v1.isStream)
    }

    @Test("buffered streamed chat gets include_usage, unless asked already or the API version is too old")
    func injection() throws {
        let policy = InboundPolicy(directory: directory, mode: .buffered)
        let path = "/openai/deployments/gpt-4o/chat/completions"
        let injected = try policy.apply(request(path, body: #"{"messages":[],"stream":true}"#))
        #expect(injected.injectedUsage)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(injected.upstreamBody)) as? [String: Any])
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(injected.requestText == #"{"messages":[],"stream":true}"#)
        #expect(!(try policy.apply(request(path, body: #"{"stream":true,"stream_options":{"include_usage":true}}"#)).injectedUsage))
        #expect(!(try policy.apply(request(path, query: "api-version=2024-06-01", body: #"{"stream":true}"#)).injectedUsage))
        #expect(try policy.apply(request("/openai/v1/chat/completions", query: "", body: #"{"model":"m","stream":true}"#)).injectedUsage)
        // The OpenAI-style API is rewritten to the v1 API, which takes stream_options without api-version.
        let compat = try policy.apply(request("/api/v1/openai/chat/completions", query: "", body: #"{"model":"gpt-41-mini","stream":true}"#))
        #expect(compat.injectedUsage && compat.deployment == "gpt-41-mini")
        #expect(!(try policy.apply(request("/openai/deployments/gpt-41/responses", body: #"{"stream":true}"#)).injectedUsage))
    }

    @Test("the outbound envelope has the policy's fields, in its order, and ingest's extractor reads it")
    func envelopeMatchesPolicy() throws {
        let xml = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/policies/outbound-policy.xml", encoding: .utf8)
        // The policy's main envelope: the JProperty names up to its fallback (`catch`).
        let main = xml[..<(xml.range(of: "// Never lose the request")?.lowerBound ?? xml.endIndex)]
        let regex = /new JProperty\("([A-Za-z]+)"/
        let names = main.matches(of: regex).map { String($0.1) }
        #expect(names == Envelope.outboundFields)

        let response = try String(decoding: Fixture.bytes("openai/chat-completion.json"), as: UTF8.self)
        let call = CallRecord(requestId: "3b0e8c2a-1111-4222-8333-444455556666", timestamp: PolicyTimestamp.format(nanosecondsSinceEpoch: 1_764_410_400_123_456_700),
                              elapsedMilliseconds: 812.3456, subscription: directory.all[0], operationId: "chat-completions", method: "POST",
                              path: "/openai/deployments/gpt-4o/chat/completions", apiVersion: "2024-10-21", deployment: "gpt-4o", isStream: false,
                              requestText: #"{"messages":[{"role":"user","content":"hi"}]}"#, requestLength: 44)
        let bytes = Envelope.outbound(call, BackendAnswer(statusCode: 200, contentType: "application/json", backendRegion: "East US 2",
                                                          body: Array(response.utf8), length: response.utf8.count), maxBodyBytes: 4_194_304)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(Set(object.keys) == Set(Envelope.outboundFields))
        #expect(object["timestamp"] as? String == "2025-11-29T10:00:00.1234567Z")
        #expect("\(object["elapsedMs"] ?? "")" == "812.346")
        let event = try UsageExtractor().extract(bytes)
        #expect(event.subscriptionId == "team-a")
        #expect(event.usageSource == .reported)
        #expect(event.meters.inputTokens + event.meters.cachedInputTokens > 0)

        let small = Envelope.outbound(call, BackendAnswer(statusCode: 200, contentType: "application/json", backendRegion: "", body: Array(response.utf8),
                                                          length: response.utf8.count), maxBodyBytes: 10)
        let capped = try #require(try JSONSerialization.jsonObject(with: Data(small)) as? [String: Any])
        #expect(capped["responseBody"] is NSNull)
        #expect(capped["requestBody"] is NSNull)
        #expect(capped["responseBodyLength"] as? Int == response.utf8.count)
        #expect(capped["responseBodyTail"] as? String == response)
        let whole = Envelope.outbound(call, BackendAnswer(statusCode: 200, contentType: "application/json", backendRegion: "", body: Array(response.utf8),
                                                          length: response.utf8.count), maxBodyBytes: 4_194_304)
        #expect(try #require(try JSONSerialization.jsonObject(with: Data(whole)) as? [String: Any])["responseBodyTail"] is NSNull)
    }

    @Test("a response over the limit goes as its last 65,536 characters, and ingest reads the usage from them")
    func overTheLimit() throws {
        let fixture = try #require(try JSONSerialization.jsonObject(with: Data(Fixture.bytes("openai/chat-completion.json"))) as? [String: Any])
        var answer = fixture
        var choices = try #require(answer["choices"] as? [[String: Any]])
        var message = try #require(choices[0]["message"] as? [String: Any])
        message["content"] = String(repeating: "x", count: 140_000)
        choices[0]["message"] = message
        answer["choices"] = choices
        let body = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys, .withoutEscapingSlashes])
        let call = CallRecord(requestId: "r-tail", timestamp: "2026-11-29T10:00:00.0000000Z", elapsedMilliseconds: 3, subscription: directory.all[0],
                              operationId: "chat-completions", method: "POST", path: "/openai/deployments/gpt-4o/chat/completions",
                              apiVersion: "2024-10-21", deployment: "gpt-4o", isStream: false, requestText: #"{"messages":[]}"#, requestLength: 15)
        let bytes = Envelope.outbound(call, BackendAnswer(statusCode: 200, contentType: "application/json", backendRegion: "", body: Array(body),
                                                          length: body.count), maxBodyBytes: 100_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let tail = try #require(object["responseBodyTail"] as? String)
        #expect(object["responseBody"] is NSNull)
        #expect(object["responseBodyLength"] as? Int == body.count)
        #expect(tail.utf16.count == Envelope.tailCharacters)
        #expect(String(decoding: body, as: UTF8.self).hasSuffix(tail))
        let event = try UsageExtractor().extract(bytes)
        #expect(event.usageSource == .reported)
        #expect(event.flags.contains("usage_from_tail"))

        // An astral character (two UTF-16 units) where the tail would start: it is not split.
        let astral = Array(("😀" + String(repeating: "a", count: Envelope.tailCharacters - 1)).utf8)
        let split = Envelope.outbound(call, BackendAnswer(statusCode: 200, contentType: "application/json", backendRegion: "", body: astral,
                                                          length: astral.count), maxBodyBytes: 10)
        let cut = try #require(try JSONSerialization.jsonObject(with: Data(split)) as? [String: Any])
        #expect(cut["responseBodyTail"] as? String == String(repeating: "a", count: Envelope.tailCharacters - 1))
    }

    @Test("the on-error envelope carries source and reason, never a message, and is accepted")
    func onError() throws {
        let call = CallRecord(requestId: "r-1", timestamp: "2026-11-29T10:00:00.0000000Z", elapsedMilliseconds: 3, subscription: directory.all[0],
                              operationId: nil, method: "POST", path: "/openai/deployments/gpt-4o/chat/completions", apiVersion: "",
                              deployment: "gpt-4o", isStream: false, requestText: nil, requestLength: -1)
        let bytes = Envelope.onError(call, statusCode: 500, errorSource: "forward-request", reason: "BackendConnectionFailure", maxBodyBytes: 100)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((object["lastError"] as? [String: Any])?.keys.sorted() == ["reason", "source"])
        #expect(try UsageExtractor().extract(bytes).statusCode == 500)
    }

    @Test("timestamps: 7 fractional digits, UTC, parsed back by the extractor")
    func timestamps() {
        #expect(PolicyTimestamp.format(nanosecondsSinceEpoch: 0) == "1970-01-01T00:00:00.0000000Z")
        #expect(PolicyTimestamp.format(nanosecondsSinceEpoch: 1_796_083_199_999_999_900) == "2026-11-30T23:59:59.9999999Z")
        #expect(UTCTimestamp.parse(PolicyTimestamp.format(nanosecondsSinceEpoch: 1_796_083_199_999_999_900)) != nil)
    }

    @Test("a subscriptions file with a repeated key or id is refused")
    func directoryValidation() {
        #expect(throws: DirectoryError.self) { try SubscriptionDirectory([TwinSubscription(key: "a", id: "x"), TwinSubscription(key: "a", id: "y")]) }
        #expect(throws: DirectoryError.self) { try SubscriptionDirectory([TwinSubscription(key: "a", id: "x"), TwinSubscription(key: "b", id: "x")]) }
        #expect(throws: DirectoryError.self) { try SubscriptionDirectory.load(path: "/nonexistent.json") }
    }
}
