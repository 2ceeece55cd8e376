import ChargebackCore
import CivilCalendar
import Testing

/// Every meter priced by hand and compared to the pico (10⁻¹² USD).
@Suite struct PricingTests {
    /// Lines of one deployment's counters on a day, by meter name.
    func lines(_ deployment: String, _ counters: [Counter: Int64], on day: String = "2026-11-10") throws -> ([String: ChargeLine], Set<Unpriced>) {
        var unpriced = Set<Unpriced>()
        let lines = try PricingFixture.pricer().lines(subscription: "team-a", deployment: deployment, counters: counters,
                                                      day: PricingFixture.day(day), unpriced: &unpriced)
        return (Dictionary(uniqueKeysWithValues: lines.map { ($0.key.meter, $0) }), unpriced)
    }

    func usd(_ text: String) -> Money? { Money(exactText: text) }

    @Test func textTokensInputCachedOutput() throws {
        // 1,000,000 × 2.50/1M = 2.50; 400,000 × 1.25/1M = 0.50; 250,000 × 10/1M = 2.50.
        let (byMeter, unpriced) = try lines("chat", [.quantity(.inputTokens): 1_000_000, .quantity(.cachedInputTokens): 400_000, .quantity(.outputTokens): 250_000, .requests: 7])
        #expect(byMeter["input"]?.cost == usd("2.50"))
        #expect(byMeter["cachedInput"]?.cost == usd("0.50"))
        #expect(byMeter["output"]?.cost == usd("2.50"))
        #expect(byMeter.count == 3)
        #expect(byMeter["input"]?.key.price?.version == "gpt-4o/GlobalStandard@2026-01-01")
        #expect(byMeter["input"]?.key.model == "gpt-4o")
        #expect(unpriced.isEmpty)
    }

    @Test func priceChangeMidMonthPricesEachDayWithItsVersion() throws {
        let counters: [Counter: Int64] = [.quantity(.inputTokens): 1_000_000, .quantity(.cachedInputTokens): 400_000, .quantity(.outputTokens): 250_000]
        let (before, _) = try lines("chat", counters, on: "2026-11-14")
        let (after, _) = try lines("chat", counters, on: "2026-11-15")
        // Before: 2.50 + 0.50 + 2.50 = 5.50. From the 15th: 2.00 + 0.40 + 2.00 = 4.40.
        #expect(Array(before.values).pricedCost == usd("5.50"))
        #expect(Array(after.values).pricedCost == usd("4.40"))
        #expect(before["output"]?.key.price?.version == "gpt-4o/GlobalStandard@2026-01-01")
        #expect(after["output"]?.key.price?.version == "gpt-4o-nov-cut")
    }

    @Test func reasoningWithItsOwnPriceIsSplitFromOutput() throws {
        // output 1,000 of which 600 reasoning: 400 × 8/1M = 0.0032; 600 × 9/1M = 0.0054; input 500 × 2/1M = 0.001.
        let (byMeter, _) = try lines("reasoner", [.quantity(.inputTokens): 500, .quantity(.outputTokens): 1000, .quantity(.reasoningTokens): 600])
        #expect(byMeter["output"]?.quantity == 400)
        #expect(byMeter["output"]?.cost == usd("0.0032"))
        #expect(byMeter["reasoning"]?.cost == usd("0.0054"))
        #expect(Array(byMeter.values).pricedCost == usd("0.0096"))
    }

    @Test func cacheWritesAtTheirOwnRate() throws {
        // input 1,000 × 1.25/1M = 0.00125; cached 2,000 × 0.125/1M = 0.00025; written 4,000 × 1.5625/1M = 0.00625.
        let (byMeter, _) = try lines("cache-writer", [.quantity(.inputTokens): 1000, .quantity(.cachedInputTokens): 2000,
                                                      .quantity(.cacheWriteInputTokens): 4000])
        #expect(byMeter["input"]?.cost == usd("0.00125"))
        #expect(byMeter["cachedInput"]?.cost == usd("0.00025"))
        #expect(byMeter["cacheWrite"]?.cost == usd("0.00625"))
        #expect(Array(byMeter.values).pricedCost == usd("0.00775"))
    }

    @Test func cacheWritesWithoutTheirOwnPriceAreBilledAsInput() throws {
        // gpt-4o has no cache-write price: 1,000 + 4,000 written = 5,000 × 2.50/1M = 0.0125, never free.
        let (byMeter, unpriced) = try lines("chat", [.quantity(.inputTokens): 1000, .quantity(.cacheWriteInputTokens): 4000])
        #expect(byMeter["input"]?.quantity == 5000)
        #expect(byMeter["input"]?.cost == usd("0.0125"))
        #expect(byMeter["cacheWrite"] == nil)
        #expect(unpriced.isEmpty)
    }

    @Test func reasoningWithoutItsOwnPriceIsBilledAsOutput() throws {
        // 1,000 × 4.40/1M = 0.0044 (reasoning inside); 500 × 1.10/1M = 0.00055.
        let (byMeter, _) = try lines("reasoner-plain", [.quantity(.inputTokens): 500, .quantity(.outputTokens): 1000, .quantity(.reasoningTokens): 600])
        #expect(byMeter["output"]?.quantity == 1000)
        #expect(byMeter["reasoning"] == nil)
        #expect(Array(byMeter.values).pricedCost == usd("0.00495"))
    }

    @Test func audioTokens() throws {
        // 1,000 × 40/1M = 0.04; 2,000 × 80/1M = 0.16; 300 × 2.50/1M = 0.00075.
        let (byMeter, _) = try lines("audio", [.quantity(.audioInputTokens): 1000, .quantity(.audioOutputTokens): 2000, .quantity(.inputTokens): 300])
        #expect(byMeter["audioInput"]?.cost == usd("0.04"))
        #expect(byMeter["audioOutput"]?.cost == usd("0.16"))
        #expect(byMeter["input"]?.cost == usd("0.00075"))
    }

    @Test func imageTokens() throws {
        // 50 × 5/1M = 0.00025; 200 × 10/1M = 0.002; 4,160 × 40/1M = 0.1664.
        let (byMeter, _) = try lines("image-tokens", [.quantity(.inputTokens): 50, .quantity(.imageInputTokens): 200, .quantity(.imageOutputTokens): 4160])
        #expect(byMeter["input"]?.cost == usd("0.00025"))
        #expect(byMeter["imageInput"]?.cost == usd("0.002"))
        #expect(byMeter["imageOutput"]?.cost == usd("0.1664"))
    }

    @Test func imagesOfATokenPricedModelAreBilledThroughTheirTokensOnly() throws {
        // gpt-image-1 reports 1 image and 1,056 output tokens: one imageOutput line, no unpriced image line.
        let (byMeter, unpriced) = try lines("image-tokens", [.quantity(.inputTokens): 50, .quantity(.imageOutputTokens): 1056, .images(size: "1024x1024", quality: "medium"): 1])
        #expect(byMeter["imageOutput"]?.cost == usd("0.04224"))
        #expect(byMeter["image:1024x1024:medium"] == nil)
        #expect(unpriced.isEmpty)
        // A per-image model keeps its image lines; a deployment without a price set keeps the count, unpriced.
        #expect(try lines("dalle", [.images(size: "1024x1024", quality: "hd"): 1]).0["image:1024x1024:hd"] != nil)
        #expect(try lines("not-in-book", [.images(size: "1024x1024", quality: "hd"): 1]).0["image:1024x1024:hd"]?.cost == nil)
    }

    @Test func perImageBySizeAndQualityWithFallback() throws {
        // 3 × 0.08 = 0.24; 1 × 0.04; 2 × 0.12 (the `*` price).
        let (byMeter, _) = try lines("dalle", [.images(size: "1024x1024", quality: "hd"): 3, .images(size: "1024x1024", quality: "standard"): 1, .images(size: "1792x1024", quality: "hd"): 2])
        #expect(byMeter["image:1024x1024:hd"]?.cost == usd("0.24"))
        #expect(byMeter["image:1024x1024:standard"]?.cost == usd("0.04"))
        #expect(byMeter["image:1792x1024:hd"]?.cost == usd("0.24"))
        #expect(byMeter["image:1024x1024:hd"]?.key.unit == .image)
    }

    @Test func audioMinutesFromMilliseconds() throws {
        // 90,500 ms = 1.508333… minutes × 0.006 = 0.00905 exactly.
        let (byMeter, _) = try lines("whisper", [.quantity(.audioMilliseconds): 90_500])
        #expect(byMeter["audio"]?.cost == usd("0.00905"))
        // 1 ms at 0.000001 per minute is 1/60,000 of a micro = 16.67 picos → 17 (nearest).
        #expect(PricingUnit.minute.cost(quantity: 1, micros: 1) == Money(picos: 17))
        #expect(PricingUnit.minute.cost(quantity: 1, micros: 2) == Money(picos: 33))
    }

    @Test func characters() throws {
        // 12,345 × 15/1M = 0.185175.
        let (byMeter, _) = try lines("tts", [.quantity(.characters): 12_345])
        #expect(byMeter["characters"]?.cost == usd("0.185175"))
    }

    @Test func batchDeploymentUsesBatchPrices() throws {
        // 1,000,000 × 0.075/1M = 0.075; 200,000 × 0.0375/1M = 0.0075; 100,000 × 0.30/1M = 0.03.
        let (byMeter, _) = try lines("batch", [.quantity(.inputTokens): 1_000_000, .quantity(.cachedInputTokens): 200_000, .quantity(.outputTokens): 100_000])
        #expect(byMeter["input"]?.cost == usd("0.075"))
        #expect(byMeter["cachedInput"]?.cost == usd("0.0075"))
        #expect(byMeter["output"]?.cost == usd("0.03"))
    }

    @Test func meterWithoutPriceIsUnpricedNeverZero() throws {
        let (byMeter, unpriced) = try lines("no-cache", [.quantity(.inputTokens): 1000, .quantity(.cachedInputTokens): 100])
        #expect(byMeter["cachedInput"]?.quantity == 100)
        #expect(byMeter["cachedInput"]?.cost == nil)
        #expect(byMeter["input"]?.cost == usd("0.001"))
        #expect(unpriced.map(\.reason).contains { $0.contains("cachedInput") })
        #expect(Array(byMeter.values).unpricedCount == 1)
    }

    @Test func deploymentNotInBookIsUnpriced() throws {
        let (byMeter, unpriced) = try lines("mystery", [.quantity(.inputTokens): 1000, .quantity(.outputTokens): 10])
        #expect(byMeter["input"]?.cost == nil)
        #expect(byMeter["input"]?.quantity == 1000)
        #expect(byMeter["input"]?.key.model == "")
        #expect(unpriced == [Unpriced("deployment 'mystery' is not in the price book")])
    }

    @Test func dayBeforeAnyVersionIsUnpriced() throws {
        let (byMeter, unpriced) = try lines("chat", [.quantity(.inputTokens): 10], on: "2025-12-31")
        #expect(byMeter["input"]?.cost == nil)
        #expect(unpriced.first?.reason == "no price for gpt-4o GlobalStandard on 2025-12-31")
    }

    @Test func costCentersMapSubscriptionsAndDefaultToUnassigned() throws {
        let centers = try CostCenters.load(json: Array("""
        {"schemaVersion": 1, "costCenters": [{"id": "CC-1", "name": "Marketing"}], "subscriptions": {"team-a": "CC-1"}}
        """.utf8))
        let pricer = Pricer(book: try PricingFixture.book(), costCenters: centers)
        var unpriced = Set<Unpriced>()
        let mapped = pricer.lines(subscription: "team-a", deployment: "chat", counters: [.quantity(.inputTokens): 1], day: PricingFixture.day("2026-11-10"), unpriced: &unpriced)
        let unmapped = pricer.lines(subscription: "team-z", deployment: "chat", counters: [.quantity(.inputTokens): 1], day: PricingFixture.day("2026-11-10"), unpriced: &unpriced)
        #expect(mapped.first?.key.costCenter == "CC-1")
        #expect(unmapped.first?.key.costCenter == CostCenters.unassigned)
    }
}
