import ChargebackCore
import ChargebackRedis
import Foundation
import RedisClient
import TestSupport

/// Create calls and polls of Responses, Batch and Files objects, from the OpenAI fixtures, with
/// subscriptions and object ids of the test's own.
struct ObjectHarness {
    let tag = String(UUID().uuidString.prefix(8).lowercased())
    let extractor = UsageExtractor()
    static let hour = "2926-11-29T10"

    func subscription(_ name: String) -> String { "sub-\(name)-\(tag)" }
    var responseId: String { "resp_\(tag)0c08190ffeeddccbbaa9988" }
    var batchId: String { "batch_\(tag)-4a5b-6c7d-8e9f-0a1b2c3d4e5f" }
    var fileId: String { "file-\(tag)9e0f41a2b3c4d5e6f7a8b9c0" }
    /// The batch's output file, as the fixture's completed batch names it.
    var outputFileId: String { "file-\(tag)4b5a46978869aabbccddeeff" }

    /// One call's event as extraction makes it: `fixture` answered on `path` to `subscription`. A
    /// create call also carries `createdObject`, as extraction sets it for `POST …/responses|batches|files`.
    func event(_ fixture: String, path: String, by subscription: String, request: Int, creates: ObjectReference? = nil) throws -> UsageEvent {
        var builder = try EnvelopeBuilder.forFixture(fixture, path: path, request: #"{"model":"o4-mini","input":"hello"}"#)
        builder.subscriptionId = self.subscription(subscription)
        builder.requestId = "req-\(tag)-\(request)"
        builder.timestamp = Self.hour + ":15:30Z"
        builder.responseBody = builder.responseBody.map {
            $0.replacingOccurrences(of: "resp_6924b4aa00c08190ffeeddccbbaa9988", with: responseId)
                .replacingOccurrences(of: "resp_6924b3c1d2e48190a1b2c3d4e5f60718", with: responseId)
                .replacingOccurrences(of: "batch_7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", with: batchId)
                .replacingOccurrences(of: "file-0f1e2d3c4b5a46978869aabbccddeeff", with: outputFileId)
        }
        var event = try extractor.extract(builder.bytes)
        event.createdObject = creates
        return event
    }

    /// The counters of one of the test's subscriptions in the fixtures' hour.
    func counters(_ name: String, _ redis: any RedisCommandRouter) async throws -> HourCounters {
        try await Self.counters(subscription(name), hour: Self.hour, redis)
    }

    static func counters(_ subscription: String, hour: String, _ redis: any RedisCommandRouter) async throws -> HourCounters {
        let key = LedgerKeys.hour(subscription: subscription, hour: hour)
        return try await HourCounters.read(key, redis)
    }

    static func ttl(_ key: String, _ redis: any RedisCommandRouter) async throws -> Int64 {
        guard case let .integer(seconds) = try await redis.send([Array("TTL".utf8), Array(key.utf8)], key: Array(key.utf8)) else { return -3 }
        return seconds
    }
}
