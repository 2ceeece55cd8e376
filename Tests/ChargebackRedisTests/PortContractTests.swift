import ChargebackCore
import ChargebackMemory
import ChargebackRedis
import CivilCalendar
import Foundation
import Testing
import TestSupport

/// What the use cases assume of the ports (`CounterSource`, `SnapshotRepository`, `Ledger`), checked
/// on the in-memory implementations the use-case tests run on and on the Redis adapter, plain and
/// cluster: so the Redis adapter is tested against exactly what the rollup and the reports rely on.
@Suite("port contract: in memory and in Redis alike")
struct PortContractTests {
    static let backends = ["memory", "plain", "cluster"]

    func backend(_ kind: String) throws -> MoneyBackend {
        kind == "memory" ? .memory() : try .redis(kind)
    }

    @Test("counters: events add up per subscription, deployment and hour; a redelivery adds nothing", arguments: backends)
    func countersAddUp(kind: String) async throws {
        let harness = MoneyHarness(backend: try backend(kind))
        #expect(try await harness.record("a", id: "1", hour: 3, prompt: 100, cached: 40, completion: 10) == .recorded)
        #expect(try await harness.record("a", id: "2", hour: 3, prompt: 200, completion: 20) == .recorded)
        #expect(try await harness.record("a", id: "2", hour: 3, prompt: 200, completion: 20) == .duplicate)
        #expect(try await harness.record("a", id: "3", hour: 23, deployment: "other", prompt: 7, completion: 1) == .recorded)
        #expect(try await harness.record("b", id: "4", hour: 3, prompt: 5, completion: 5) == .recorded)
        // Another day's event is not that day's usage.
        #expect(try await harness.record("a", id: "5", on: harness.day.adding(days: 1), hour: 0, prompt: 1000, completion: 0) == .recorded)
        let counters = harness.backend.counters
        let mine = Set([harness.subscription("a"), harness.subscription("b")])
        let usage = try await counters.usage(on: harness.day, only: mine)
        let hour3 = try #require(usage.first { $0.subscription == harness.subscription("a") && $0.deployment == "chat" })
        #expect(hour3.hour == harness.day.daysSinceEpoch * 24 + 3)
        #expect(hour3.counters[.requests] == 2)
        #expect(hour3.counters[.quantity(.inputTokens)] == 260)
        #expect(hour3.counters[.quantity(.cachedInputTokens)] == 40)
        #expect(hour3.counters[.quantity(.outputTokens)] == 30)
        #expect(hour3.counters[.operation(.chat)] == 2)
        #expect(usage.first { $0.deployment == "other" }?.hour == harness.day.daysSinceEpoch * 24 + 23)
        #expect(usage.count == 3)
        #expect(try await counters.usage(on: harness.day, only: [harness.subscription("b")]).map(\.subscription) == [harness.subscription("b")])
        #expect(try await counters.usage(on: harness.day.adding(days: 1), only: mine).map(\.counters[.quantity(.inputTokens)]) == [1000])
    }

    @Test("dirty marks: read with the counters, cleared only while unchanged", arguments: backends)
    func dirtyMarks(kind: String) async throws {
        let harness = MoneyHarness(backend: try backend(kind))
        let counters = harness.backend.counters
        let a = harness.subscription("a")
        try await harness.record("a", id: "1", prompt: 10, completion: 1)
        let (_, marks) = try await counters.usageAndMarks(on: harness.day, only: [a])
        let mark = try #require(marks[a])
        #expect(try await counters.dirtyMarks(indexedOn: [harness.day])[a]?[harness.day] == mark)
        // An event lands after the read: clearing what was read leaves the day dirty.
        try await harness.record("a", id: "2", prompt: 10, completion: 1)
        try await counters.clearDirty(harness.day, marks: marks)
        let after = try #require(try await counters.dirtyMarks(indexedOn: [harness.day])[a]?[harness.day])
        #expect(after != mark)
        // Cleared with the mark now held: the day is clean.
        try await counters.clearDirty(harness.day, marks: [a: after])
        #expect(try await counters.dirtyMarks(indexedOn: [harness.day])[a]?[harness.day] == nil)
        #expect(try await counters.usageAndMarks(on: harness.day, only: [a]).marks[a] == nil)
    }

    @Test("snapshots: compare-and-set revisions, the month's aggregate of the latest ones, a lock per day", arguments: backends)
    func snapshots(kind: String) async throws {
        let harness = MoneyHarness(backend: try backend(kind))
        let store = harness.backend.snapshots
        let day = harness.day, nextDay = harness.day.adding(days: 1)
        func line(_ subscription: String, _ quantity: Int64, price: Int64? = 2_500_000) -> ChargeLine {
            ChargeLine(key: ChargeKey(costCenter: "CC-1", subscription: harness.subscription(subscription), deployment: "chat", model: "gpt-4o",
                                      meter: "input", unit: .millionTokens, price: price.map { LinePrice(version: "v1", micros: $0, unit: .millionTokens) }),
                       quantity: quantity)
        }
        func summary(_ revision: Int, _ lines: [ChargeLine], delta: [ChargeLine]?) -> SnapshotSummary {
            SnapshotSummary(day: day.description, revision: revision, createdAt: "2031-01-01T00:00:00Z", reason: "test", currency: "EUR",
                            priceBook: "t", lines: lines, unpriced: [], delta: delta)
        }
        #expect(try await store.latest(day) == nil)
        let first = [line("a", 1000), line("b", 10, price: nil)]
        #expect(try await store.write(day, expected: 0, revision: 1, lines: first, delta: first, summary: summary(1, first, delta: nil)))
        // A second writer that read the same (empty) day loses.
        #expect(try await !store.write(day, expected: 0, revision: 1, lines: first, delta: first, summary: summary(1, first, delta: nil)))
        let second = [line("a", 1500), line("b", 10, price: nil)]
        let delta = [line("a", 500)]
        #expect(try await store.write(day, expected: 1, revision: 2, lines: second, delta: delta, summary: summary(2, second, delta: delta)))
        let next = [line("a", 7)]
        #expect(try await store.write(nextDay, expected: 0, revision: 1, lines: next, delta: next, summary: summary(1, next, delta: nil)))
        let latest = try #require(try await store.latest(day))
        #expect(latest.revision == 2)
        #expect(Set(latest.lines) == Set(second))
        #expect(Set(try await store.lines(day, revision: 1)) == Set(first))
        // The month holds the latest revision of each day: 1,500 + 7 for a, 10 for b.
        let mine = try await store.monthLines(day.month).filter { $0.key.subscription.hasSuffix(harness.tag) }
        #expect(Set(mine) == Set([line("a", 1507), line("b", 10, price: nil)]))
        let month = try await store.month(day.month)
        #expect(month.summaries[day]?.revision == 2)
        #expect(month.summaries[day]?.changes == nil, "the month's index keeps summaries without their change lists")
        #expect(month.summaries[nextDay]?.revision == 1)
        #expect(Set(month.lines.filter { $0.key.subscription.hasSuffix(harness.tag) }) == Set(mine))
        #expect(try await store.summaries(day.month)[day]?.cost == summary(2, second, delta: delta).cost)
        // The lock: one holder at a time; only the holder releases it.
        #expect(try await store.lock(day, token: "one", milliseconds: 60_000))
        #expect(try await !store.lock(day, token: "two", milliseconds: 60_000))
        try await store.unlock(day, token: "two")
        #expect(try await !store.lock(day, token: "two", milliseconds: 60_000))
        try await store.unlock(day, token: "one")
        #expect(try await store.lock(day, token: "two", milliseconds: 60_000))
        try await store.unlock(day, token: "two")
    }

    @Test("true-ups: a day's applied reconciliation is replaced whole, read back by month to the pico", arguments: backends)
    func trueUps(kind: String) async throws {
        let harness = MoneyHarness(backend: try backend(kind))
        let store = harness.backend.snapshots
        let day = harness.day, nextDay = harness.day.adding(days: 1)
        func trueUp(_ on: CivilDay, _ subscription: String, _ amount: String) throws -> Reconciliation.TrueUp {
            Reconciliation.TrueUp(key: .init(day: on, model: "gpt-4o", deploymentType: "GlobalStandard", meter: "input"), reason: .outsideAPIM,
                                  costCenter: "CC-1", subscription: harness.subscription(subscription), deployment: "chat",
                                  amount: try #require(Money(exactText: amount)))
        }
        func applied(_ on: CivilDay, _ trueUps: [Reconciliation.TrueUp], digest: String) -> AppliedTrueUps {
            AppliedTrueUps(day: on, appliedAt: harness.now, exportDigest: digest, costColumn: "BilledCost", snapshotRevision: 2, trueUps: trueUps)
        }
        #expect(try await store.trueUps([day])[day] == nil)
        let first = applied(day, [try trueUp(day, "a", "0.000000000001"), try trueUp(day, "b", "-12.345678901234")], digest: "one")
        try await store.apply(first)
        try await store.apply(applied(nextDay, [try trueUp(nextDay, "a", "7")], digest: "one"))
        var month = try await store.trueUps([day, nextDay])
        #expect(month[day] == first, "every digit and field comes back")
        #expect(month[nextDay]?.trueUps.count == 1)
        // Applying again replaces the day: the same export twice never adds up; an empty list clears it.
        let corrected = applied(day, [try trueUp(day, "a", "3.5")], digest: "two")
        try await store.apply(corrected)
        try await store.apply(corrected)
        try await store.apply(applied(nextDay, [], digest: "two"))
        month = try await store.trueUps([day, nextDay])
        #expect(month[day] == corrected)
        #expect(month[nextDay]?.trueUps == [])
        #expect(try await store.trueUps([nextDay]).keys.sorted() == [nextDay], "only the days asked for are read")
        #expect(try await store.trueUps([day.month.lastDay.adding(days: 1)]).isEmpty, "another month has none of them")
    }

    @Test("alert state: evaluation markers, and ingest counts added up per hour", arguments: backends)
    func alertState(kind: String) async throws {
        let markers: any EvaluationMarkers
        let health: any IngestHealthSource
        let add: @Sendable (Int64, Int64, Int64) async throws -> Void
        if kind == "memory" {
            let state = InMemoryAlertState()
            (markers, health) = (state, state)
            add = { state.add(hour: $0, requests: $1, errors: $2) }
        } else {
            let router = try MoneyBackend.router(kind)
            let store = IngestHealthStore(redis: router)
            (markers, health) = (AlertLedger(redis: router), store)
            add = { try await store.add(hour: $0, requests: $1, errors: $2) }
        }
        let key = "anomaly:contract-\(UUID().uuidString)"
        #expect(try await !markers.wasExamined(key))
        try await markers.markExamined(key)
        #expect(try await markers.wasExamined(key))
        // An hour of its own (hours since the epoch, far from today's).
        let hour = Int64.random(in: 1_000_000...9_000_000)
        let none = try await health.counts(hour: hour)
        #expect(none.requests == 0 && none.errors == 0)
        try await add(hour, 10, 1)
        try await add(hour, 5, 0)
        let counts = try await health.counts(hour: hour)
        #expect(counts.requests == 15)
        #expect(counts.errors == 1)
    }
}
