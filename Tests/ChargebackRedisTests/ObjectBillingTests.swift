import ChargebackCore
import ChargebackRedis
import RedisClient
import Synchronization
import Testing
import TestSupport

@Suite("Responses and Batch results: billed once, globally, to the subscription that created them")
struct ObjectBillingTests {
    @Test("a background response polled by its creator and by another subscription is billed once, to the creator", arguments: ["plain", "cluster"])
    func backgroundResponse(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let ledger = RedisLedger(redis: redis)
        let objects = ObjectHarness()
        let response = ObjectReference(kind: .response, id: objects.responseId)
        let create = try objects.event("responses-background-queued.json", path: "/openai/v1/responses", by: "a", request: 1, creates: response)
        #expect(try await ledger.record(create) == .recorded)
        // Completed: another subscription polls it first, then twice more, then the creator.
        let poll = { (who: String, request: Int) in
            try objects.event("responses.json", path: "/openai/v1/responses/\(objects.responseId)", by: who, request: request)
        }
        #expect(try await ledger.record(try poll("b", 2)) == .recorded)
        #expect(try await ledger.record(try poll("b", 3)) == .duplicate)
        #expect(try await ledger.record(try poll("c", 4)) == .duplicate)
        #expect(try await ledger.record(try poll("a", 5)) == .duplicate)
        let creator = try await objects.counters("a", redis)
        #expect(creator["o4-mini", .quantity(.outputTokens)] ?? 0 > 0)
        #expect(creator["o4-mini", .operation(.response)] == 2)
        #expect(creator["o4-mini", .ownerUnknown] == nil)
        #expect(try await objects.counters("b", redis).isEmpty)
        #expect(try await objects.counters("c", redis).isEmpty)
        // The marker outlives Azure's 30 days of stored responses, not the 7-day request window.
        let marker = LedgerKeys.seen(subscription: objects.subscription("a"), dedupeId: "resp:" + objects.responseId)
        #expect(try await ObjectHarness.ttl(marker, redis) > 34 * 86_400)
        #expect(try await ObjectOwners(redis: redis).owner(of: response) == objects.subscription("a"))
        await redis.close()
    }

    @Test("a streamed Responses create counted once per response also marks its request id: an estimate of the same call (the relay's write-ahead, adopted after a crash) is a duplicate", arguments: ["plain", "cluster"])
    func createMarksRequest(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let ledger = RedisLedger(redis: redis)
        let objects = ObjectHarness()
        let response = ObjectReference(kind: .response, id: objects.responseId)
        let create = try objects.event("responses.json", path: "/openai/v1/responses", by: "a", request: 1, creates: response)
        #expect(create.usageSource == .reported && LedgerKeys.dedupeId(of: create) == "resp:" + objects.responseId)
        #expect(try await ledger.record(create) == .recorded)
        var estimate = create
        estimate.usageSource = .estimated
        estimate.responseId = nil
        #expect(LedgerKeys.dedupeId(of: estimate) == create.requestId)
        #expect(try await ledger.record(estimate) == .duplicate, "the write-ahead estimate of a call already counted")
        // A poll is not a create: it adds no marker of its own request id.
        #expect(try await ledger.record(try objects.event("responses.json", path: "/openai/v1/responses/\(objects.responseId)", by: "a", request: 2)) == .duplicate)
        #expect(try await ObjectHarness.ttl(LedgerKeys.seen(subscription: objects.subscription("a"), dedupeId: "req-\(objects.tag)-2"), redis) == -2)
        await redis.close()
    }

    @Test("a completed batch polled from two subscriptions is billed once to its creator; its marker lasts 400 days", arguments: ["plain", "cluster"])
    func batch(kind: String) async throws {
        let redis = try MoneyBackend.router(kind)
        let ledger = RedisLedger(redis: redis)
        let objects = ObjectHarness()
        let batch = ObjectReference(kind: .batch, id: objects.batchId)
        // The create call answers the batch `validating`: no usage yet, the owner is recorded.
        var create = try objects.event("batch-object.json", path: "/openai/batches", by: "a", request: 1, creates: batch)
        create.usageSource = .none
        create.meters = Meters()
        #expect(try await ledger.record(create) == .recorded)
        let path = "/openai/v1/batches/\(objects.batchId)"
        #expect(try await ledger.record(try objects.event("batch-object.json", path: path, by: "b", request: 2)) == .recorded)
        #expect(try await ledger.record(try objects.event("batch-object.json", path: path, by: "a", request: 3)) == .duplicate)
        #expect(try await ledger.record(try objects.event("batch-object.json", path: path, by: "b", request: 4)) == .duplicate)
        #expect(try await objects.counters("a", redis)["o4-mini", .quantity(.inputTokens)] == 5220)
        #expect(try await objects.counters("b", redis).isEmpty)
        let marker = LedgerKeys.seen(subscription: objects.subscription("a"), dedupeId: "batch:" + objects.batchId)
        #expect(try await ObjectHarness.ttl(marker, redis) > 399 * 86_400)
        // The output file Azure made belongs to the batch's creator, whoever polled the batch.
        #expect(try await ObjectOwners(redis: redis).owner(of: ObjectReference(kind: .file, id: objects.outputFileId)) == objects.subscription("a"))
        await redis.close()
    }

    @Test("with no creator recorded, the first caller is billed and flagged; a second caller finds the same marker")
    func ownerUnknown() async throws {
        let redis = try MoneyBackend.router("cluster")
        let notices = NoticeLog()
        let ledger = RedisLedger(redis: redis, observe: { notices.append($0) })
        let objects = ObjectHarness()
        let path = "/openai/v1/responses/\(objects.responseId)"
        #expect(try await ledger.record(try objects.event("responses.json", path: path, by: "b", request: 1)) == .recorded)
        #expect(try await ledger.record(try objects.event("responses.json", path: path, by: "c", request: 2)) == .duplicate)
        // The create call's envelope arriving late records the owner for access, not a second bill.
        let response = ObjectReference(kind: .response, id: objects.responseId)
        let create = try objects.event("responses-background-queued.json", path: "/openai/v1/responses", by: "a", request: 3, creates: response)
        #expect(try await ledger.record(create) == .recorded)
        #expect(try await ledger.record(try objects.event("responses.json", path: path, by: "a", request: 4)) == .duplicate)
        #expect(try await objects.counters("b", redis)["o4-mini", .ownerUnknown] == 1)
        #expect(try await objects.counters("c", redis).isEmpty)
        #expect(try await objects.counters("a", redis)["o4-mini", .quantity(.outputTokens)] == nil)
        #expect(notices.all == [.ownerUnknown])
        await redis.close()
    }

    @Test("a response answered with its usage is billed to its creator at once; a later fetch by anyone is a duplicate")
    func synchronousResponse() async throws {
        let redis = try MoneyBackend.router("plain")
        let ledger = RedisLedger(redis: redis)
        let objects = ObjectHarness()
        let response = ObjectReference(kind: .response, id: objects.responseId)
        #expect(try await ledger.record(try objects.event("responses.json", path: "/openai/responses", by: "a", request: 1, creates: response)) == .recorded)
        #expect(try await ledger.record(try objects.event("responses.json", path: "/openai/responses/\(objects.responseId)", by: "b", request: 2)) == .duplicate)
        #expect(try await objects.counters("a", redis)["o4-mini", .requests] == 1)
        await redis.close()
    }

    @Test("a file's creator is recorded from its upload; the first record wins and lookups renew it")
    func fileOwner() async throws {
        let redis = try MoneyBackend.router("cluster")
        let owners = ObjectOwners(redis: redis, objectMarkerDays: 40)
        let objects = ObjectHarness()
        let file = ObjectReference(kind: .file, id: objects.fileId)
        #expect(try await owners.owner(of: file) == nil)
        let ledger = RedisLedger(redis: redis, owners: owners)
        var upload = try objects.event("embeddings.json", path: "/openai/v1/files", by: "a", request: 1, creates: file)
        upload.usageSource = .none
        upload.meters = Meters()
        #expect(try await ledger.record(upload) == .recorded)
        try await owners.recordCreation(of: file, by: objects.subscription("b"))
        #expect(try await owners.owner(of: file) == objects.subscription("a"))
        _ = try await redis.send(["EXPIRE", LedgerKeys.owner(of: file), "60"].map { Array($0.utf8) }, key: Array(LedgerKeys.owner(of: file).utf8))
        _ = try await owners.owner(of: file)
        #expect(try await ObjectHarness.ttl(LedgerKeys.owner(of: file), redis) > 39 * 86_400)
        await redis.close()
    }

    @Test("create calls: POST …/responses, …/batches, …/files under /openai/ and /openai/v1/, answered 2xx, with a safe id")
    func createdObjects() {
        func created(_ method: String, _ path: String, _ status: Int = 200, id: String = "resp_1") -> ObjectKind? {
            ObjectReference.created(method: method, path: path, statusCode: status, id: id)?.kind
        }
        #expect(created("POST", "/openai/v1/responses") == .response)
        #expect(created("POST", "/openai/responses?api-version=2025-04-01-preview") == .response)
        #expect(created("post", "/aoai/openai/v1/batches/") == .batch)
        #expect(created("POST", "/openai/files") == .file)
        #expect(created("POST", "/openai/v1/files", 201) == .file)
        #expect(created("GET", "/openai/v1/responses/resp_1") == nil)
        #expect(created("POST", "/openai/v1/responses/resp_1/cancel") == nil)
        #expect(created("POST", "/openai/v1/batches/batch_1/cancel") == nil)
        #expect(created("POST", "/openai/v1/vector_stores/vs_1/files") == nil)
        #expect(created("POST", "/openai/v1/responses", 429) == nil)
        #expect(created("POST", "/openai/v1/responses", id: "resp_1/../x") == nil)
        #expect(created("POST", "/openai/v1/responses", id: String(repeating: "a", count: 129)) == nil)
        #expect(created("POST", "/openai/v1/responses", id: "") == nil)
    }
}

/// Collects the ledger's notices (the metrics' input) across tasks.
final class NoticeLog: Sendable {
    let notices = Mutex<[LedgerNotice]>([])
    func append(_ notice: LedgerNotice) { notices.withLock { $0.append(notice) } }
    var all: [LedgerNotice] { notices.withLock { $0 } }
}
