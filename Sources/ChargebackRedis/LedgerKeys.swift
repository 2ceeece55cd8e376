import ChargebackCore

/// The Redis key schema, in this one file (documented in docs/redis-schema.md). Every key of one
/// subscription carries the hash tag `{s:<id>}`, so one event's atomic write stays in one cluster
/// slot, and erasing a subscription touches one slot.
///
/// - `cb:v1:{s:<sub>}:seen:<dedupe-id>` — string `1`, TTL = dedupe window: this usage was counted.
///   The dedupe id is the `requestId`, or `resp:<id>` / `batch:<id>` for a Responses or Batch
///   result with reported usage (counted once however often it is fetched).
/// - `cb:v1:{s:<sub>}:h:<yyyy-mm-ddThh>` — hash of counters for one UTC hour, TTL = retention;
///   field `<deployment>|<meter>`, integer value (see `LedgerKeys.counters(for:)`).
/// - `cb:v1:{d:<yyyy-mm-dd>}:subs` — set of subscription ids active that UTC day, TTL = retention:
///   the rollup's index.
public enum LedgerKeys {
    static let prefix = "cb:v1:"

    /// An id made safe inside a key and a SCAN pattern: `{ } % : | * ? [ ] \`, spaces and control
    /// bytes percent-encoded.
    public static func escape(_ text: String) -> String {
        if !text.utf8.contains(where: needsEscape) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if needsEscape(byte) {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            } else {
                // Multi-byte UTF-8 passes through unchanged, so the key stays valid UTF-8 and reversible.
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "%")
            || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "|") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?")
            || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "\\")
    }

    /// The inverse of `escape`; nil when a `%` is not followed by two hex digits.
    public static func unescape(_ text: some StringProtocol) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// The hash tag of a subscription.
    public static func subscriptionTag(_ subscription: String) -> String { "{s:\(escape(subscription))}" }

    /// The dedupe marker of an event.
    public static func seen(_ event: UsageEvent) -> String {
        var id = event.requestId
        if event.usageSource == .reported, let responseId = event.responseId { id = "resp:" + responseId }
        if event.usageSource == .reported, let batchId = event.batchId { id = "batch:" + batchId }
        return prefix + subscriptionTag(event.subscriptionId) + ":seen:" + escape(id)
    }

    /// The hourly counters of a subscription.
    public static func hour(subscription: String, hour: String) -> String {
        prefix + subscriptionTag(subscription) + ":h:" + hour
    }

    /// The day index of active subscriptions.
    public static func day(_ day: String) -> String { prefix + "{d:\(day)}:subs" }

    /// Every key of a subscription matches this pattern (for erasure).
    public static func subscriptionPattern(_ subscription: String) -> String {
        prefix + subscriptionTag(subscription) + ":*"
    }

    /// `yyyy-mm-ddThh` of an instant (UTC).
    public static func hourText(_ timestamp: UTCTimestamp) -> String { String(timestamp.isoText.prefix(13)) }

    /// The counter increments of one event: `<deployment>|<meter>` → amount (zeros left out).
    public static func counters(for event: UsageEvent) -> [(field: String, amount: Int64)] {
        let deployment = event.deployment.isEmpty ? "(unknown)" : escape(event.deployment)
        let meters = event.meters
        var counters: [(String, Int64)] = [
            ("requests", 1), ("op:" + event.operation.rawValue, 1),
            ("inputTokens", meters.inputTokens), ("cachedInputTokens", meters.cachedInputTokens),
            ("outputTokens", meters.outputTokens), ("reasoningTokens", meters.reasoningTokens),
            ("audioInputTokens", meters.audioInputTokens), ("audioOutputTokens", meters.audioOutputTokens),
            ("imageInputTokens", meters.imageInputTokens), ("imageOutputTokens", meters.imageOutputTokens),
            ("audioMilliseconds", meters.audioMilliseconds), ("characters", meters.characters),
        ]
        if meters.images > 0 {
            counters.append(("images:" + escape(meters.imageSize ?? "unknown") + ":" + escape(meters.imageQuality ?? "unknown"), meters.images))
        }
        if event.statusCode >= 400 || event.statusCode == 0 {
            counters.append((event.statusCode == 0 ? "errors:none" : "errors:\(event.statusCode / 100)xx", 1))
        }
        switch event.usageSource {
        case .estimated: counters.append(("usage:estimated", 1))
        case .none: counters.append(("usage:none", 1))
        case .reported: break
        }
        return counters.filter { $0.1 != 0 }.map { (deployment + "|" + $0.0, $0.1) }
    }
}
