import JSONOutput

/// The bytes posted to an alert channel, written with `JSONWriter`. Payloads carry only what the
/// `Alert` holds: titles, sentences and facts about amounts and counts, never request content or keys.
public enum AlertPayload {
    /// The payload for a channel of `kind`; `sentAt` (ISO 8601 UTC) is used by generic channels only.
    public static func render(_ alert: Alert, for kind: AlertChannel.Kind, sentAt: String) -> [UInt8] {
        switch kind {
        case .generic: return generic(alert, sentAt: sentAt)
        case .teams: return teams(alert)
        case .slack: return slack(alert)
        }
    }

    /// The service's own format, for any HTTP receiver:
    /// `{"type":"chargeback.alert","version":1,"kind":…,"severity":…,"onceKey":…,"title":…,"summary":…,"facts":{…},"sentAt":…}`.
    /// Facts are members named by their keys. `onceKey` lets a receiver drop a repeated delivery.
    public static func generic(_ alert: Alert, sentAt: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.openObject()
        writer.member("type", "chargeback.alert")
        writer.member("version", 1)
        writer.member("kind", alert.kind.rawValue)
        writer.member("severity", alert.severity.rawValue)
        writer.member("onceKey", alert.onceKey)
        writer.member("title", alert.title)
        writer.member("summary", alert.summary)
        writer.key("facts")
        writer.openObject()
        for fact in alert.facts { writer.member(fact.key, fact.value) }
        writer.closeObject()
        writer.member("sentAt", sentAt)
        writer.closeObject()
        return writer.bytes
    }
}
