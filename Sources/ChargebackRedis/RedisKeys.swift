import ChargebackCore
import CivilCalendar

// Every Redis key and field name of the service, in this one file (documented in
// docs/redis-schema.md): the ledger's, the snapshots', alerting's and ingest health's. Ids inside keys
// are escaped (`KeyEscaping.swift`), so no id can forge another key.

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

    /// Every dedupe marker of a subscription matches this pattern (for `chargeback inspect`).
    public static func seenPattern(subscription: String) -> String { prefix + subscriptionTag(subscription) + ":seen:*" }

    /// The dedupe id of a marker key; nil when `key` is not a marker.
    public static func dedupeId(ofMarker key: String) -> String? {
        guard let tagEnd = key.firstIndex(of: "}"), key[key.index(after: tagEnd)...].hasPrefix(":seen:") else { return nil }
        return unescape(key[key.index(tagEnd, offsetBy: 7)...])
    }

    /// `yyyy-mm-ddThh` of an instant (UTC).
    public static func hourText(_ timestamp: UTCTimestamp) -> String { String(timestamp.isoText.prefix(13)) }

    /// The 24 `yyyy-mm-ddThh` of a UTC day, in order.
    public static func hours(of day: CivilDay) -> [String] {
        (0..<24).map { day.description + "T" + ($0 < 10 ? "0" : "") + String($0) }
    }

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

/// The snapshot key schema (docs/redis-schema.md). Every key of one month carries the hash tag
/// `{m:<yyyy-mm>}`, so a day's revision and the month's aggregate are written by one atomic script.
///
/// - `cb:v1:{m:<month>}:lock:<day>` — the rollup lock of a day (token, PX).
/// - `cb:v1:{m:<month>}:snap:<day>:latest` — the latest revision number.
/// - `cb:v1:{m:<month>}:snap:<day>:r<n>` — hash: line field → quantity (immutable).
/// - `cb:v1:{m:<month>}:snap:<day>:r<n>:summary` — `SnapshotSummary` JSON (immutable).
/// - `cb:v1:{m:<month>}:agg` — hash: line field → quantity, the sum of every day's latest revision.
/// - `cb:v1:{m:<month>}:days` — hash: day → the latest revision's `SnapshotSummary` JSON.
/// - `cb:v1:{m:<month>}:trueups` — hash: day → `AppliedTrueUps` JSON, the day's latest
///   reconciliation (`chargeback reconcile --apply`), replaced whole; TTL = retention.
///
/// A line field is `<cost center>|<subscription>|<deployment>|<model>|<meter>|<price version>|<micros>`,
/// each text part escaped with `LedgerKeys.escape`; an unpriced line has empty version and micros.
public enum SnapshotKeys {
    static func tag(_ month: CivilMonth) -> String { LedgerKeys.prefix + "{m:\(month)}" }

    public static func lock(_ day: CivilDay) -> String { tag(day.month) + ":lock:\(day)" }
    public static func latest(_ day: CivilDay) -> String { tag(day.month) + ":snap:\(day):latest" }
    public static func revision(_ day: CivilDay, _ number: Int) -> String { tag(day.month) + ":snap:\(day):r\(number)" }
    public static func summary(_ day: CivilDay, _ number: Int) -> String { revision(day, number) + ":summary" }
    /// Every revision of a day (and its summary) matches this pattern (for `chargeback inspect`).
    public static func revisionPattern(_ day: CivilDay) -> String { tag(day.month) + ":snap:\(day):r*" }
    /// The revision number of a revision key; nil for a summary or any other key.
    public static func revisionNumber(ofKey key: String) -> Int? {
        guard let colon = key.lastIndex(of: ":"), key[key.index(after: colon)...].hasPrefix("r") else { return nil }
        return Int(key[key.index(colon, offsetBy: 2)...])
    }
    public static func aggregate(_ month: CivilMonth) -> String { tag(month) + ":agg" }
    public static func days(_ month: CivilMonth) -> String { tag(month) + ":days" }
    public static func trueUps(_ month: CivilMonth) -> String { tag(month) + ":trueups" }

    /// The hash field of a line's key.
    public static func field(_ key: ChargeKey) -> String {
        [key.costCenter, key.subscription, key.deployment, key.model, key.meter, key.price?.version ?? ""].map(LedgerKeys.escape).joined(separator: "|")
            + "|" + (key.price.map { String($0.micros) } ?? "")
    }

    /// A line's key from its hash field; nil when malformed. One pass over the bytes: a month report
    /// parses tens of thousands of these.
    public static func key(field: String) -> ChargeKey? {
        var field = field
        let parts: [String]? = field.withUTF8 { bytes in
            var parts: [String] = []
            parts.reserveCapacity(7)
            var start = 0
            var escaped = false
            for index in 0...bytes.count {
                if index < bytes.count {
                    if bytes[index] == UInt8(ascii: "%") { escaped = true }
                    guard bytes[index] == UInt8(ascii: "|") else { continue }
                }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                guard let part = escaped ? LedgerKeys.unescape(text) : text else { return nil }
                parts.append(part)
                start = index + 1
                escaped = false
            }
            return parts
        }
        guard let parts, parts.count == 7, let meter = BillingMeter(name: parts[4]) else { return nil }
        var price: LinePrice?
        if !parts[5].isEmpty {
            guard let micros = Int64(parts[6]) else { return nil }
            price = LinePrice(version: parts[5], micros: micros, unit: meter.unit)
        }
        return ChargeKey(costCenter: parts[0], subscription: parts[1], deployment: parts[2], model: parts[3], meter: parts[4],
                         unit: meter.unit, price: price)
    }
}

/// Alerting's keys (`AlertLedger`): all in the `{alerts}` slot.
///
/// - `cb:v1:{alerts}:once:<once key>:<channel>` — string `1`: this alert went out on this channel
///   (claimed with `SET NX` before sending), TTL = longer than any budget period.
/// - `cb:v1:{alerts}:outbox` — list of deliveries that failed, retried by later runs.
/// - `cb:v1:{alerts}:examined:<key>` — string: an evaluation finished (one day's anomalies at one
///   snapshot revision).
public enum AlertKeys {
    static let tag = LedgerKeys.prefix + "{alerts}"

    /// The marker key of one alert on one channel.
    public static func marker(onceKey: String, channel: String) -> String {
        tag + ":once:" + LedgerKeys.escape(onceKey) + ":" + LedgerKeys.escape(channel)
    }

    /// The outbox list.
    public static let outbox = tag + ":outbox"

    /// The marker of a finished evaluation.
    public static func examined(_ key: String) -> String { tag + ":examined:" + LedgerKeys.escape(key) }
}

/// Ingest health's keys (`IngestHealthStore`): `cb:v1:{health}:ingest:<hour>`, a hash per UTC hour
/// (hours since the epoch) with the fields `requests` and `errors`, kept three days.
public enum HealthKeys {
    /// The hash of one UTC hour.
    public static func hour(_ hour: Int64) -> String { LedgerKeys.prefix + "{health}:ingest:" + String(hour) }
    /// Its fields.
    public static let requests = "requests"
    public static let errors = "errors"
}
