import ApimTwin
import CivilCalendar

/// One request of the replayed day, as a client sends it to the gateway.
public struct PlannedCall: Sendable {
    public var subscription: TwinSubscription
    public var method = "POST"
    /// Path and query, e.g. `/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`.
    public var target: String
    public var body: [UInt8]
    public var isStream: Bool
    /// When APIM received it: `yyyy-mm-ddThh:mm:ssZ` (sent as `x-twin-timestamp`).
    public var timestamp: String
    /// How often the gateway posts its envelope (2 = a duplicate delivery).
    public var deliveries: Int
    /// `chat`, `embedding`, `response`, `image`.
    public var kind: String
}

/// A realistic, reproducible day of gateway traffic: teams of very different sizes, a diurnal
/// curve, chat (a third of it streamed, half of those without `include_usage`), embeddings,
/// Responses (Azure and `/openai/v1`), images, long prompts that hit the prompt cache, faults (429,
/// content filter, 500) and some duplicate deliveries. The same seed gives the same day.
public enum TrafficPlan {
    struct Choice { let weight: Int; let kind: String; let deployment: String }

    static let mix = [
        Choice(weight: 24, kind: "chat", deployment: "gpt-4o"), Choice(weight: 28, kind: "chat", deployment: "gpt-4o-mini"),
        Choice(weight: 9, kind: "chat", deployment: "gpt-41"), Choice(weight: 9, kind: "chat", deployment: "gpt-41-mini"),
        Choice(weight: 4, kind: "chat", deployment: "o3"), Choice(weight: 10, kind: "embedding", deployment: "text-embedding-3-small"),
        Choice(weight: 3, kind: "embedding", deployment: "text-embedding-3-large"), Choice(weight: 6, kind: "response", deployment: "gpt-41"),
        Choice(weight: 2, kind: "response-v1", deployment: "gpt-41-mini"), Choice(weight: 1, kind: "image", deployment: "gpt-image-1"),
        Choice(weight: 1, kind: "image", deployment: "dall-e-3"), Choice(weight: 4, kind: "chat", deployment: "gpt-4o-ptu"),
        Choice(weight: 3, kind: "chat", deployment: "gpt-5.6"),
    ]
    /// Share of the day's requests per UTC hour (office hours in Europe and the Americas).
    static let hourWeights = [2, 1, 1, 1, 2, 3, 5, 8, 11, 12, 12, 11, 10, 11, 12, 12, 11, 9, 7, 5, 4, 3, 3, 2]
    static let words = ["ledger", "invoice", "tokens", "summary", "customer", "policy", "gateway", "forecast", "quarter", "budget",
                        "report", "latency", "model", "review", "contract", "support", "search", "draft", "email", "translate"]

    public static func day(_ day: CivilDay, requests: Int, subscriptions: [TwinSubscription], seed: UInt64) -> [PlannedCall] {
        guard !subscriptions.isEmpty, requests > 0 else { return [] }
        var random = SplitMix64(seed: seed)
        // Team sizes fall off like real usage: the first teams send most of the traffic.
        let teamWeights = subscriptions.indices.map { 60 / ($0 + 2) + 1 }
        var calls: [PlannedCall] = []
        calls.reserveCapacity(requests)
        for _ in 0..<requests {
            let subscription = subscriptions[random.pick(weights: teamWeights)]
            let choice = mix[random.pick(weights: mix.map(\.weight))]
            let hour = random.pick(weights: hourWeights)
            let second = Int64(hour) * 3600 + Int64(random.below(3600))
            var call = build(choice, random: &random)
            call.subscription = subscription
            call.timestamp = "\(day)T\(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60))Z"
            call.deliveries = random.below(100) == 0 ? 2 : 1
            calls.append(call)
        }
        return calls
    }

    static func build(_ choice: Choice, random: inout SplitMix64) -> PlannedCall {
        var text = sentence(random: &random, words: random.below(10) == 0 ? 900 + random.below(1200) : 8 + random.below(80))
        let fault = random.below(1000)
        if fault < 30 { text += " [[fault:429]]" } else if fault < 35 { text += " [[fault:content_filter]]" } else if fault < 38 { text += " [[fault:500]]" }
        let quoted = jsonString(text)
        let maxTokens = 32 + random.below(400)
        switch choice.kind {
        case "embedding":
            let body = #"{"input":\#(quoted)}"#
            return call("/openai/deployments/\(choice.deployment)/embeddings?api-version=2024-10-21", body, stream: false, kind: "embedding")
        case "response", "response-v1":
            let stream = random.below(100) < 35
            let body = #"{"model":"\#(choice.deployment)","input":\#(quoted),"max_output_tokens":\#(maxTokens)\#(stream ? #","stream":true"# : "")}"#
            let target = choice.kind == "response" ? "/openai/responses?api-version=2025-04-01-preview" : "/openai/v1/responses"
            return call(target, body, stream: stream, kind: "response")
        case "image":
            let quality = choice.deployment == "dall-e-3" ? (random.below(3) == 0 ? "hd" : "standard") : ["low", "medium", "high"][random.below(3)]
            let body = #"{"prompt":\#(quoted),"n":1,"size":"1024x1024","quality":"\#(quality)"}"#
            return call("/openai/deployments/\(choice.deployment)/images/generations?api-version=2025-04-01-preview", body, stream: false, kind: "image")
        default:
            let stream = random.below(100) < 40
            let usage = stream && random.below(2) == 0 ? #","stream_options":{"include_usage":true}"# : ""
            let body = #"{"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":\#(quoted)}],"max_tokens":\#(maxTokens)\#(stream ? #","stream":true"# : "")\#(usage)}"#
            return call("/openai/deployments/\(choice.deployment)/chat/completions?api-version=2024-10-21", body, stream: stream, kind: "chat")
        }
    }

    static func call(_ target: String, _ body: String, stream: Bool, kind: String) -> PlannedCall {
        PlannedCall(subscription: TwinSubscription(key: "", id: ""), target: target, body: Array(body.utf8), isStream: stream, timestamp: "",
                    deliveries: 1, kind: kind)
    }

    static func sentence(random: inout SplitMix64, words count: Int) -> String {
        (0..<count).map { _ in words[random.below(words.count)] }.joined(separator: " ")
    }

    static func jsonString(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// A small, seedable generator (SplitMix64): the same seed gives the same day on every machine.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    mutating func pick(weights: [Int]) -> Int {
        var roll = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if roll < weight { return index }
            roll -= weight
        }
        return weights.count - 1
    }
}
