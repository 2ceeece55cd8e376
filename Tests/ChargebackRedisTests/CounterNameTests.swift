import ChargebackCore
import ChargebackRedis
import Testing

/// The counter vocabulary is spelled in one place (`LedgerKeys.name(of:)`) and read back by its inverse.
@Suite struct CounterNameTests {
    static let every: [Counter] = [.requests, .usageEstimated, .usageMissing, .ownerUnknown, .errors(statusClass: nil),
                                   .errors(statusClass: 4), .errors(statusClass: 5), .images(size: "1024x1024", quality: "hd"),
                                   // Sizes and qualities are caller text: the separators in them are escaped.
                                   .images(size: "a:b|c", quality: "50% {x}")]
        + Operation.allCases.map(Counter.operation) + Counter.Quantity.allCases.map(Counter.quantity)

    @Test func everyCounterRoundTrips() throws {
        for counter in Self.every {
            let name = LedgerKeys.name(of: counter)
            #expect(LedgerKeys.counter(named: Substring(name)) == counter, "\(name)")
            #expect(name.split(separator: "|").count == 1, "a name never holds the field separator: \(name)")
            let field = try #require(LedgerKeys.parseCounterField("gpt%7C4o|" + name))
            #expect(field.deployment == "gpt|4o")
            #expect(field.counter == counter)
        }
        // The names the ledger has always written (stored counters must keep their meaning).
        #expect(LedgerKeys.name(of: .quantity(.cachedInputTokens)) == "cachedInputTokens")
        #expect(LedgerKeys.name(of: .errors(statusClass: 4)) == "errors:4xx")
        #expect(LedgerKeys.name(of: .errors(statusClass: nil)) == "errors:none")
        #expect(LedgerKeys.name(of: .operation(.chat)) == "op:chat")
        #expect(LedgerKeys.name(of: .images(size: "1024x1024", quality: "hd")) == "images:1024x1024:hd")
    }

    @Test(arguments: ["", "request", "inputtokens", "op:", "op:teleport", "errors:", "errors:0xx", "errors:44x", "errors:4xxx", "errors:xxx",
                      "images:1024x1024", "images::hd", "images:1024x1024:", "images:a:b:c", "images:%zz:hd", "usage:maybe", "owner:known",
                      "usage:estimated:1"])
    func unknownOrMalformedNamesAreNotCounters(_ name: String) {
        #expect(LedgerKeys.counter(named: Substring(name)) == nil)
        #expect(LedgerKeys.parseCounterField("gpt-4o|" + name) == nil)
    }

    @Test func anEventsIncrements() throws {
        var meters = Meters()
        meters.inputTokens = 10
        meters.images = 2
        meters.imageSize = "1024x1024"
        let failed = UsageEvent(requestId: "r", timestamp: try #require(UTCTimestamp.parse("2926-11-29T10:15:30Z")), subscriptionId: "s",
                                deployment: "d", operation: .image, statusCode: 503, isStream: false, usageSource: .estimated, meters: meters, source: "outbound")
        let increments = Dictionary(uniqueKeysWithValues: failed.counterIncrements.map { ($0.counter, $0.amount) })
        #expect(increments == [.requests: 1, .operation(.image): 1, .quantity(.inputTokens): 10, .images(size: "1024x1024", quality: "unknown"): 2,
                               .errors(statusClass: 5): 1, .usageEstimated: 1])
        var unanswered = failed
        unanswered.statusCode = 0
        unanswered.usageSource = .none
        let names = unanswered.counterIncrements.map { LedgerKeys.name(of: $0.counter) }
        #expect(names.contains("errors:none"))
        #expect(names.contains("usage:none"))
    }
}
