import ChargebackCore
import ChargebackRedis
import Foundation
import Glibc
import Logging
import RedisClient
import Testing
import TestSupport
import ChargebackSpool

/// The spool against a hostile or crowded folder: other processes appending, planted symlinks, and
/// lines that can never be replayed.
@Suite("spool: locked, never through a symlink, poison lines quarantined", .serialized)
struct SpoolHardeningTests {
    func spoolDirectory() -> String { NSTemporaryDirectory() + "spool-hard-" + UUID().uuidString }

    @Test("an append waits for another process's flock on spool.lock (appends from two processes never interleave)")
    func appendWaitsForTheLock() async throws {
        let harness = LedgerHarness()
        let directory = spoolDirectory()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        try await spool.append(try harness.event(1))
        // A second open file description: flock conflicts with it exactly as with another process.
        let other = open(directory + "/spool.lock", O_RDWR)
        try #require(other >= 0)
        #expect(flock(other, LOCK_EX) == 0)
        let pending = Task { try await spool.append(try harness.event(2)) }
        try await Task.sleep(for: .milliseconds(300))
        let before = try String(contentsOfFile: directory + "/spool.jsonl", encoding: .utf8)
        #expect(before.split(separator: "\n").count == 1, "the append went past another holder's lock")
        #expect(flock(other, LOCK_UN) == 0)
        close(other)
        try await pending.value
        let after = try String(contentsOfFile: directory + "/spool.jsonl", encoding: .utf8)
        #expect(after.split(separator: "\n").count == 2)
    }

    @Test("a symlink planted as the spool, replay or quarantine file is refused, never written or read through",
          arguments: ["spool.jsonl", "spool.replaying.jsonl", "spool.lock"])
    func symlinkRefused(name: String) async throws {
        let harness = LedgerHarness()
        let directory = spoolDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = directory + "-target"
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: target))
        #expect(symlink(target, directory + "/" + name) == 0)
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        if name == "spool.replaying.jsonl" {
            await #expect(throws: LedgerFailure.self) { _ = try await spool.takeForReplay() }
        } else {
            let failure = await #expect(throws: LedgerFailure.self) { try await spool.append(try harness.event(1)) }
            #expect(failure?.code == "spool_unavailable")
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep\n")
    }

    @Test("an event the ledger refuses for good (counter_overflow) is quarantined and the events behind it are counted")
    func refusedEventQuarantined() async throws {
        let harness = LedgerHarness()
        let directory = spoolDirectory()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        var poison = try harness.event(1)
        poison.meters.inputTokens = LedgerKeys.counterCeiling + 1
        try await spool.append(poison)
        try await spool.append(try harness.event(2))
        let pool = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 5000)
        let replay = try await SpoolReplayer(ledger: RedisLedger(redis: pool), spool: spool, logger: Logger(label: "t")).replay()
        #expect(replay.quarantined == 1)
        #expect(try await harness.counters(pool)["gpt-4o", .requests] == 1)
        let quarantine = try String(contentsOfFile: directory + "/spool.quarantine.jsonl", encoding: .utf8)
        #expect(quarantine.contains(poison.requestId))
        #expect(try await spool.takeForReplay() == nil)
        await pool.close()
    }
}
