import JSONOutput

extension AlertPayload {
    /// A message for a Teams workflow webhook ("When a Teams webhook request is received"): one
    /// Adaptive Card 1.4 attachment with the title (coloured by severity), the summary and a fact set.
    public static func teams(_ alert: Alert) -> [UInt8] {
        var writer = JSONWriter(capacity: 2048)
        writer.openObject()
        writer.member("type", "message")
        writer.key("attachments")
        writer.openArray()
        writer.openObject()
        writer.member("contentType", "application/vnd.microsoft.card.adaptive")
        writer.key("contentUrl")
        writer.null()
        writer.key("content")
        writer.openObject()
        writer.member("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
        writer.member("type", "AdaptiveCard")
        writer.member("version", "1.4")
        writer.key("body")
        writer.openArray()
        writer.openObject()
        writer.member("type", "TextBlock")
        writer.member("text", alert.title)
        writer.member("weight", "Bolder")
        writer.member("size", "Medium")
        writer.member("wrap", true)
        writer.member("color", teamsColor(alert.severity))
        writer.closeObject()
        writer.openObject()
        writer.member("type", "TextBlock")
        writer.member("text", alert.summary)
        writer.member("wrap", true)
        writer.closeObject()
        writer.openObject()
        writer.member("type", "FactSet")
        writer.key("facts")
        writer.openArray()
        for fact in alert.facts {
            writer.openObject()
            writer.member("title", fact.label)
            writer.member("value", fact.value)
            writer.closeObject()
        }
        writer.closeArray()
        writer.closeObject()
        writer.closeArray()
        writer.closeObject()
        writer.closeObject()
        writer.closeArray()
        writer.closeObject()
        return writer.bytes
    }

    /// Adaptive Card text colour: `Attention` (critical), `Warning`, `Accent` (info).
    static func teamsColor(_ severity: Alert.Severity) -> String {
        switch severity {
        case .critical: return "Attention"
        case .warning: return "Warning"
        case .info: return "Accent"
        }
    }
}
