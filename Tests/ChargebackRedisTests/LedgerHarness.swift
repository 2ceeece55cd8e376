import ChargebackCore
import ChargebackRedis
import Foundation
import RedisClient
import TestSupport

/// Events for ledger tests: each a distinct request of a subscription unique to the test, on
/// 2926-11-29: far from today, so no rollup another test runs with the real clock (its revisable
/// window) ever reads this day's index and clears these subscriptions' dirty marks mid-test.
struct LedgerHarness {
    let subscription = "sub-\(UUID().uuidString.prefix(8))"
    let extractor = UsageExtractor()

    func event(_ index: Int, output: Int64 = 10) throws -> UsageEvent {
        var builder = EnvelopeBuilder()
        builder.subscriptionId = subscription
        builder.requestId = "req-\(subscription)-\(index)"
        builder.timestamp = "2926-11-29T10:15:30Z"
        builder.responseBody = "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":\(output),\"prompt_tokens_details\":{\"cached_tokens\":40}}}"
        return try extractor.extract(builder.bytes)
    }

    /// The hourly counters of the test subscription for 2926-11-29T10.
    func counters(_ redis: any RedisCommandRouter) async throws -> HourCounters {
        let key = LedgerKeys.hour(subscription: subscription, hour: "2926-11-29T10")
        return try await HourCounters.read(key, redis)
    }
}

extension RedisCommandRouter {
    func send(_ arguments: [String]) async throws -> RedisReply {
        try await send(arguments.map { Array($0.utf8) }, key: nil)
    }
}

/// An hourly hash as typed counters, read through the ledger's own field decoding
/// (`LedgerKeys.parseCounterField`); a field it cannot read is kept apart, so a test sees it.
struct HourCounters {
    var counts: [String: [Counter: Int64]] = [:]
    var unreadable: [String] = []

    var isEmpty: Bool { counts.isEmpty && unreadable.isEmpty }

    subscript(deployment: String, counter: Counter) -> Int64? { counts[deployment]?[counter] }

    static func read(_ key: String, _ redis: any RedisCommandRouter) async throws -> HourCounters {
        guard case let .array(items) = try await redis.send([Array("HGETALL".utf8), Array(key.utf8)], key: Array(key.utf8)) else { return HourCounters() }
        var result = HourCounters()
        for pair in stride(from: 0, to: items.count - 1, by: 2) {
            guard let field = items[pair].text, let value = items[pair + 1].text.flatMap({ Int64($0) }) else { continue }
            if let (deployment, counter) = LedgerKeys.parseCounterField(field) {
                result.counts[deployment, default: [:]][counter] = value
            } else {
                result.unreadable.append(field)
            }
        }
        return result
    }
}
