import JSONOutput

extension AlertPayload {
    /// Slack allows at most 10 fields in a section block.
    static let slackFieldsPerSection = 10

    /// A message for a Slack incoming webhook: `text` (the notification fallback), a header, the
    /// summary, and the facts as `*label*\nvalue` fields, at most 10 per section. Text Slack reads
    /// as mrkdwn has `&`, `<` and `>` escaped, so a target named `<!channel>` cannot mention anyone;
    /// texts are cut to Slack's limits (header 150, section 3000, field 2000 characters).
    public static func slack(_ alert: Alert) -> [UInt8] {
        var writer = JSONWriter(capacity: 2048)
        writer.openObject()
        writer.member("text", slackEscaped(alert.title, limit: 3000))
        writer.key("blocks")
        writer.openArray()
        writer.openObject()
        writer.member("type", "header")
        writer.key("text")
        writer.openObject()
        writer.member("type", "plain_text")
        writer.member("text", clipped(alert.title, to: 150))
        writer.closeObject()
        writer.closeObject()
        writer.openObject()
        writer.member("type", "section")
        writer.key("text")
        writer.openObject()
        writer.member("type", "mrkdwn")
        writer.member("text", slackEscaped(alert.summary, limit: 3000))
        writer.closeObject()
        writer.closeObject()
        var start = 0
        while start < alert.facts.count {
            let end = min(start + slackFieldsPerSection, alert.facts.count)
            writer.openObject()
            writer.member("type", "section")
            writer.key("fields")
            writer.openArray()
            for fact in alert.facts[start..<end] {
                writer.openObject()
                writer.member("type", "mrkdwn")
                let label = "*\(slackEscaped(fact.label, limit: 100))*\n"
                writer.member("text", label + slackEscaped(fact.value, limit: 2000 - label.count))
                writer.closeObject()
            }
            writer.closeArray()
            writer.closeObject()
            start = end
        }
        writer.closeArray()
        writer.closeObject()
        return writer.bytes
    }

    /// Slack's three control characters escaped as it requires (`&amp;`, `&lt;`, `&gt;`), the result
    /// cut to at most `limit` characters, ending in an ellipsis when cut, never inside an escape.
    static func slackEscaped(_ text: String, limit: Int) -> String {
        var escaped = ""
        var count = 0
        let last = text.count - 1
        for (position, character) in text.enumerated() {
            let piece: String
            switch character {
            case "&": piece = "&amp;"
            case "<": piece = "&lt;"
            case ">": piece = "&gt;"
            default: piece = String(character)
            }
            // Keep room for the ellipsis unless this is the last character.
            let room = position == last ? limit : limit - 1
            guard count + piece.count <= room else { return escaped + "…" }
            escaped += piece
            count += piece.count
        }
        return escaped
    }

    /// `text` cut to at most `limit` characters, the last one an ellipsis when cut.
    static func clipped(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
