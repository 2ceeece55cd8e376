import ChargebackCore
import CivilCalendar

/// The snapshot key schema (docs/redis-schema.md). Every key of one month carries the hash tag
/// `{m:<yyyy-mm>}`, so a day's revision and the month's aggregate are written by one atomic script.
///
/// - `cb:v1:{m:<month>}:lock:<day>` — the rollup lock of a day (token, PX).
/// - `cb:v1:{m:<month>}:snap:<day>:latest` — the latest revision number.
/// - `cb:v1:{m:<month>}:snap:<day>:r<n>` — hash: line field → quantity (immutable).
/// - `cb:v1:{m:<month>}:snap:<day>:r<n>:summary` — `SnapshotSummary` JSON (immutable).
/// - `cb:v1:{m:<month>}:agg` — hash: line field → quantity, the sum of every day's latest revision.
/// - `cb:v1:{m:<month>}:days` — hash: day → the latest revision's `SnapshotSummary` JSON.
///
/// A line field is `<cost center>|<subscription>|<deployment>|<model>|<meter>|<price version>|<micros>`,
/// each text part escaped with `LedgerKeys.escape`; an unpriced line has empty version and micros.
public enum SnapshotKeys {
    static func tag(_ month: CivilMonth) -> String { LedgerKeys.prefix + "{m:\(month)}" }

    public static func lock(_ day: CivilDay) -> String { tag(day.month) + ":lock:\(day)" }
    public static func latest(_ day: CivilDay) -> String { tag(day.month) + ":snap:\(day):latest" }
    public static func revision(_ day: CivilDay, _ number: Int) -> String { tag(day.month) + ":snap:\(day):r\(number)" }
    public static func summary(_ day: CivilDay, _ number: Int) -> String { revision(day, number) + ":summary" }
    public static func aggregate(_ month: CivilMonth) -> String { tag(month) + ":agg" }
    public static func days(_ month: CivilMonth) -> String { tag(month) + ":days" }

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
