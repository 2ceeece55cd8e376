import ChargebackCore
import CivilCalendar
import Foundation
import Testing

/// The bytes posted to each channel kind parse as JSON of the shape the receiver expects.
@Suite struct AlertPayloadTests {
    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// A threshold alert of a budget whose id and target hold quotes, backslashes, newlines and Slack markup.
    func awkwardAlert() throws -> Alert {
        let budget = Budget(id: "mark\"et\\ing\nq", scope: .subscription, target: "<!channel> \"A&B\"\r\ttab", monthlyAmount: Money(picos: 100_000_000_000_000),
                            thresholds: [50], forecastThreshold: nil, channels: ["x"])
        let period = BudgetPeriod.month(try #require(CivilMonth.parse("2026-11")), offsetSeconds: { _ in 0 })
        let status = BudgetEvaluator(currency: "EUR").evaluate(budget, spend: Money(picos: 60_000_000_000_000), period: period, now: period.endSeconds)
        return try #require(BudgetEvaluator(currency: "EUR").alerts(for: status).first).alert
    }

    func alert(facts count: Int, severity: Alert.Severity = .critical) -> Alert {
        Alert(kind: .budgetThreshold, severity: severity, title: "T", summary: "S",
              facts: (1...count).map { Alert.Fact(key: "k\($0)", label: "Label \($0)", value: "v\($0)") }, onceKey: "budget:a:2026-11:threshold-100")
    }

    @Test func generic() throws {
        let alert = try awkwardAlert()
        let payload = try object(AlertPayload.generic(alert, sentAt: "2026-11-30T10:00:00.000Z"))
        #expect(Set(payload.keys) == ["type", "version", "kind", "severity", "onceKey", "title", "summary", "facts", "sentAt"])
        #expect(payload["type"] as? String == "chargeback.alert")
        #expect(payload["version"] as? Int == 1)
        #expect(payload["kind"] as? String == "budgetThreshold")
        #expect(payload["severity"] as? String == "info")
        #expect(payload["onceKey"] as? String == "budget:mark\"et\\ing\nq:2026-11:threshold-50")
        #expect(payload["title"] as? String == "Budget 'mark\"et\\ing\nq' at 60.0 % (threshold 50 %)")
        #expect(payload["summary"] as? String == alert.summary)
        #expect(payload["sentAt"] as? String == "2026-11-30T10:00:00.000Z")
        let facts = try #require(payload["facts"] as? [String: String])
        #expect(facts["target"] == "<!channel> \"A&B\"\r\ttab")
        #expect(facts["spend"] == "60.00 EUR")
        #expect(facts["currency"] == "EUR")
        #expect(facts.count == alert.facts.count)
        #expect(AlertPayload.render(alert, for: .generic, sentAt: "2026-11-30T10:00:00.000Z")
            == AlertPayload.generic(alert, sentAt: "2026-11-30T10:00:00.000Z"))
    }

    @Test func teamsAdaptiveCard() throws {
        let alert = try awkwardAlert()
        let payload = try object(AlertPayload.teams(alert))
        #expect(payload["type"] as? String == "message")
        let attachments = try #require(payload["attachments"] as? [[String: Any]])
        #expect(attachments.count == 1)
        let attachment = try #require(attachments.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment["contentUrl"] is NSNull)
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.4")
        let body = try #require(card["body"] as? [[String: Any]])
        #expect(body.map { $0["type"] as? String } == ["TextBlock", "TextBlock", "FactSet"])
        #expect(body[0]["text"] as? String == alert.title)
        #expect(body[0]["weight"] as? String == "Bolder")
        #expect(body[0]["size"] as? String == "Medium")
        #expect(body[0]["wrap"] as? Bool == true)
        #expect(body[0]["color"] as? String == "Accent")
        #expect(body[1]["text"] as? String == alert.summary)
        #expect(body[1]["wrap"] as? Bool == true)
        let facts = try #require(body[2]["facts"] as? [[String: String]])
        #expect(facts.map { $0["title"] } == alert.facts.map(\.label))
        #expect(facts.map { $0["value"] } == alert.facts.map(\.value))
        #expect(AlertPayload.render(alert, for: .teams, sentAt: "") == AlertPayload.teams(alert))
    }

    @Test func teamsColourFollowsSeverity() throws {
        for (severity, colour) in [(Alert.Severity.critical, "Attention"), (.warning, "Warning"), (.info, "Accent")] {
            let payload = try object(AlertPayload.teams(alert(facts: 1, severity: severity)))
            let card = (payload["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any]
            #expect((card?["body"] as? [[String: Any]])?.first?["color"] as? String == colour)
        }
    }

    @Test func slackBlocks() throws {
        let alert = try awkwardAlert()
        let payload = try object(AlertPayload.slack(alert))
        #expect(payload["text"] as? String == "Budget 'mark\"et\\ing\nq' at 60.0 % (threshold 50 %)")
        let blocks = try #require(payload["blocks"] as? [[String: Any]])
        // The threshold alert has 11 facts: Slack takes at most 10 fields in a section.
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "section", "section"])
        let header = try #require(blocks[0]["text"] as? [String: String])
        #expect(header == ["type": "plain_text", "text": alert.title])
        let summary = try #require(blocks[1]["text"] as? [String: String])
        #expect(summary["type"] == "mrkdwn")
        #expect(summary["text"] == "Spend of subscription '&lt;!channel&gt; \"A&amp;B\"\r\ttab' in 2026-11 is 60.00 EUR, 60.0 % of its 100.00 EUR monthly budget.")
        let sections = try blocks.dropFirst(2).map { try #require($0["fields"] as? [[String: String]]) }
        #expect(sections.map(\.count) == [10, 1])
        let fields = Array(sections.joined())
        #expect(fields.count == alert.facts.count)
        #expect(fields.allSatisfy { $0["type"] == "mrkdwn" })
        #expect(fields[0]["text"] == "*Budget*\nmark\"et\\ing\nq")
        #expect(fields[2]["text"] == "*Target*\n&lt;!channel&gt; \"A&amp;B\"\r\ttab")
        #expect(AlertPayload.render(alert, for: .slack, sentAt: "") == AlertPayload.slack(alert))
    }

    @Test func slackSplitsFieldsTenPerSection() throws {
        for (count, sizes) in [(1, [1]), (10, [10]), (11, [10, 1]), (23, [10, 10, 3])] {
            let blocks = try #require(try object(AlertPayload.slack(alert(facts: count)))["blocks"] as? [[String: Any]])
            let sections = blocks.dropFirst(2).map { ($0["fields"] as? [[String: String]]) ?? [] }
            #expect(sections.map(\.count) == sizes)
            #expect(sections.joined().map { $0["text"] } == (1...count).map { "*Label \($0)*\nv\($0)" })
        }
    }

    @Test func slackTextsAreCutToItsLimits() throws {
        let long = Alert(kind: .costAnomaly, severity: .warning, title: String(repeating: "t", count: 200),
                         summary: String(repeating: "<", count: 1000), facts: [Alert.Fact(key: "k", label: "L", value: String(repeating: "v", count: 2500))],
                         onceKey: "anomaly:s:2026-11-12")
        let blocks = try #require(try object(AlertPayload.slack(long))["blocks"] as? [[String: Any]])
        let header = try #require((blocks[0]["text"] as? [String: String])?["text"])
        #expect(header.count == 150)
        #expect(header.hasSuffix("t…"))
        let summary = try #require((blocks[1]["text"] as? [String: String])?["text"])
        #expect(summary.count <= 3000)
        #expect(summary.hasSuffix("&lt;…"))
        let field = try #require((blocks[2]["fields"] as? [[String: String]])?.first?["text"])
        #expect(field.count == 2000)
        #expect(field.hasPrefix("*L*\nvvv"))
    }

    /// Every string in a parsed JSON value, keys included.
    func strings(_ value: Any) -> [String] {
        if let text = value as? String { return [text] }
        if let array = value as? [Any] { return array.flatMap(strings) }
        if let object = value as? [String: Any] { return object.flatMap { [$0.key] + strings($0.value) } }
        return []
    }

    @Test func payloadsCarryOnlyTheAlertAndTheirFixedVocabulary() throws {
        let alert = try awkwardAlert()
        let texts = Set([alert.title, alert.summary, alert.onceKey] + alert.facts.flatMap { [$0.key, $0.label, $0.value] })
        let generic: Set = ["type", "chargeback.alert", "version", "kind", "budgetThreshold", "severity", "info", "onceKey", "title", "summary",
                            "facts", "sentAt", "2026-11-30T10:00:00.000Z"]
        #expect(strings(try object(AlertPayload.generic(alert, sentAt: "2026-11-30T10:00:00.000Z"))).allSatisfy { texts.contains($0) || generic.contains($0) })
        let teams: Set = ["type", "message", "attachments", "contentType", "application/vnd.microsoft.card.adaptive", "contentUrl", "content",
                          "$schema", "http://adaptivecards.io/schemas/adaptive-card.json", "AdaptiveCard", "version", "1.4", "body", "TextBlock",
                          "text", "weight", "Bolder", "size", "Medium", "wrap", "color", "Accent", "FactSet", "facts", "title", "value"]
        #expect(strings(try object(AlertPayload.teams(alert))).allSatisfy { texts.contains($0) || teams.contains($0) })
    }
}
