import ChargebackCore
import ChargebackRecords
import ChargebackRedis
import Foundation
import RedisClient
import Testing
import TestSupport

/// Wipe and restore on a real redis-server of the test's own (so FLUSHALL touches no other test).
@Suite("record archive: a flushed Redis rebuilt from the archive", .serialized)
struct RestoreTests {
    @Test("FLUSHALL, then chargeback's restore: the month report is byte-identical, the month aggregate rebuilt by the same script")
    func flushedAndRestored() async throws {
        let server = try OwnedRedis()
        try await server.start()
        defer { server.kill() }
        let redis = RedisPool(endpoint: server.endpoint, size: 2, timeoutMilliseconds: 5000)
        let root = NSTemporaryDirectory() + "records-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scenario = RestoreScenario(harness: MoneyHarness(backend: .redis(redis)), archive: FolderArchive(root: root))
        let result = try await scenario.run {
            _ = try await redis.send(["FLUSHALL", "SYNC"])
            #expect(try await redis.send(["DBSIZE"]) == .integer(0))
            return .redis(redis)
        }
        #expect(result.after == result.before)
        #expect(result.rollupAfter.values.allSatisfy { if case .heldBack = $0 { return true } else { return false } })
        #expect(result.afterRollup == result.before)
        #expect(result.restore.revisionsRestored == 3)
        #expect(Set(result.again.present) == Set(scenario.days))
        #expect(String(decoding: result.before[0], as: UTF8.self).contains("\"revision\":2"))
        await redis.close()
    }
}
