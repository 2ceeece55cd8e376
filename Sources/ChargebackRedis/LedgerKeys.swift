import ChargebackCore

/// The Redis key schema, in this one file (documented in docs/redis-schema.md). Every key of one
/// subscription carries the hash tag `{s:<id>}`, so one event's atomic write stays in one cluster
/// slot, and erasing a subscription touches one slot.
///
/// - `cb:v1:{s:<sub>}:seen:<dedupe-id>` — string `1`: this usage was counted. The dedupe id is the
///   `requestId` (TTL: the dedupe window), or `resp:<id>` / `batch:<id>` for a Responses or Batch
///   result with reported usage (TTL: the object's marker window, renewed by each duplicate), kept
///   under the subscription the object is billed to, so it is counted once whoever fetches it.
/// - `cb:v1:{s:<sub>}:h:<yyyy-mm-ddThh>` — hash of counters for one UTC hour, TTL = retention;
///   field `<deployment>|<meter>`, integer value (see `LedgerKeys.meters(for:)`).
/// - `cb:v1:{s:<sub>}:dirty` — hash `yyyy-mm-dd` → events recorded since the day's last rollup,
///   TTL = retention: written by the record script, cleared by the rollup (compare-and-delete).
/// - `cb:v1:{s:<sub>}:deps:<yyyy-mm-dd>` — set of the distinct deployments not in the price book the
///   subscription used that day (at most the cap; later ones count as `(unlisted)`), TTL = retention.
/// - `cb:v1:{d:<yyyy-mm-dd>}:subs` — set of subscription ids active that UTC day, TTL = retention:
///   the rollup's index, written before the record script.
/// - `cb:v1:{o:<kind>:<id>}:owner` — string: the subscription that created a file, batch or
///   response (from its create call), TTL = the object's marker window, renewed on each lookup.
/// - `cb:v1:{o:<kind>:<id>}:billto` — string: the subscription a result was billed to when no
///   owner was known at the time (pinned, so a second caller finds the same marker).
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

    /// The dedupe marker of `dedupeId` under the subscription billed for it.
    public static func seen(subscription: String, dedupeId: String) -> String {
        prefix + subscriptionTag(subscription) + ":seen:" + escape(dedupeId)
    }

    /// The dedupe marker of an event billed to its own subscription.
    public static func seen(_ event: UsageEvent) -> String {
        seen(subscription: event.subscriptionId, dedupeId: dedupeId(of: event))
    }

    /// `resp:<id>` or `batch:<id>` for a result counted once per object, else the `requestId`.
    public static func dedupeId(of event: UsageEvent) -> String {
        guard let object = billedObject(of: event) else { return event.requestId }
        return (object.kind == .response ? "resp:" : "batch:") + object.id
    }

    /// The object whose usage an event reports, counted once per object however often (and by
    /// whomever) it is fetched: a Batch API batch, else a Responses API response; nil otherwise.
    public static func billedObject(of event: UsageEvent) -> ObjectReference? {
        guard event.usageSource == .reported else { return nil }
        if let batchId = event.batchId { return ObjectReference(kind: .batch, id: batchId) }
        if let responseId = event.responseId { return ObjectReference(kind: .response, id: responseId) }
        return nil
    }

    /// The hash tag of a stored object: one slot holds its owner and its billing pin.
    static func objectTag(_ object: ObjectReference) -> String { "{o:\(object.kind.rawValue):\(escape(object.id))}" }

    /// The subscription that created an object.
    public static func owner(of object: ObjectReference) -> String { prefix + objectTag(object) + ":owner" }

    /// The subscription an object's result was billed to when its owner was unknown.
    public static func billedTo(_ object: ObjectReference) -> String { prefix + objectTag(object) + ":billto" }

    /// A subscription's days with events the rollup has not yet seen.
    public static func dirtyDays(subscription: String) -> String { prefix + subscriptionTag(subscription) + ":dirty" }

    /// A subscription's distinct deployments outside the price book on a UTC day.
    public static func unlistedDeployments(subscription: String, day: String) -> String {
        prefix + subscriptionTag(subscription) + ":deps:" + day
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

    /// The deployment counted when the event names none.
    public static let unknownDeployment = "(unknown)"
    /// The deployment counted for a subscription's deployments beyond the day's cap (parentheses
    /// cannot occur in an Azure deployment name, so no real deployment is mistaken for it).
    public static let unlistedDeployment = "(unlisted)"
    /// The largest value a counter may reach: 10^15. The record script compares in Lua numbers
    /// (doubles, exact below 2^53), and a month of hourly counters (744 × 10^15) still fits in Int64.
    public static let counterCeiling: Int64 = 1_000_000_000_000_000

    /// The event's deployment as counted (escaped), before the cap is applied.
    public static func deployment(of event: UsageEvent) -> String {
        event.deployment.isEmpty ? unknownDeployment : escape(event.deployment)
    }

    /// A counter's name inside an hourly hash; the record script prefixes it with `<deployment>|`.
    /// The one place counters are spelled (`counter(named:)` reads them back).
    public static func name(of counter: Counter) -> String {
        switch counter {
        case .requests: return "requests"
        case let .operation(operation): return "op:" + operation.rawValue
        case let .quantity(quantity): return quantity.rawValue
        case let .images(size, quality): return "images:" + escape(size) + ":" + escape(quality)
        case let .errors(statusClass): return statusClass.map { "errors:\($0)xx" } ?? "errors:none"
        case .usageEstimated: return "usage:estimated"
        case .usageMissing: return "usage:none"
        case .ownerUnknown: return "owner:unknown"
        }
    }

    /// The counter a name spells; nil for a malformed name or one this version does not know.
    public static func counter(named name: Substring) -> Counter? {
        if name == "requests" { return .requests }
        if let quantity = Counter.Quantity(rawValue: String(name)) { return .quantity(quantity) }
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        switch (parts.first, parts.count) {
        case ("op", 2): return Operation(rawValue: String(parts[1])).map(Counter.operation)
        case ("images", 3):
            guard let size = unescape(parts[1]), let quality = unescape(parts[2]), !size.isEmpty, !quality.isEmpty else { return nil }
            return .images(size: size, quality: quality)
        case ("errors", 2):
            if parts[1] == "none" { return .errors(statusClass: nil) }
            guard parts[1].count == 3, parts[1].hasSuffix("xx"), let digit = parts[1].first?.wholeNumberValue, digit > 0 else { return nil }
            return .errors(statusClass: digit)
        case ("usage", 2): return parts[1] == "estimated" ? .usageEstimated : (parts[1] == "none" ? .usageMissing : nil)
        case ("owner", 2): return parts[1] == "unknown" ? .ownerUnknown : nil
        default: return nil
        }
    }

    /// `<deployment>|<counter>` back to its parts, the deployment unescaped; nil when malformed or unknown.
    public static func parseCounterField(_ field: String) -> (deployment: String, counter: Counter)? {
        guard let bar = field.firstIndex(of: "|"), let deployment = unescape(field[..<bar]),
              let counter = counter(named: field[field.index(after: bar)...]) else { return nil }
        return (deployment, counter)
    }
}
