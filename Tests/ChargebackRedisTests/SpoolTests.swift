import ChildProcess
import ChargebackCore
import ChargebackRedis
import Foundation
import Logging
import RedisClient
import Testing
import TestSupport
import ChargebackSpool

/// A redis-server of the test's own, so it can be killed; AOF with fsync on every write, so what
/// Redis acknowledged survives the kill.
final class OwnedRedis: @unchecked Sendable {
    let port: Int
    let directory: String
    var process: ChildProcess?

    init() throws {
        port = try TestEnvironment.unusedPort()
        directory = NSTemporaryDirectory() + "owned-redis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func start() async throws {
        process = try ChildProcess(
            executable: "/usr/bin/redis-server",
            arguments: ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "yes",
                        "--appendfsync", "always", "--logfile", directory + "/redis.log"],
            environment: ProcessInfo.processInfo.environment)
        let pool = RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), size: 1, timeoutMilliseconds: 200)
        for _ in 0..<100 {
            if await pool.ping() { break }
            try await Task.sleep(for: .milliseconds(30))
        }
        await pool.close()
    }

    func kill() {
        guard let process else { return }
        process.send(SIGKILL)
        _ = process.waitUntilExit()
        self.process = nil
    }

    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port) }
}

@Suite("spool: nothing acknowledged is lost", .serialized)
struct SpoolTests {
    let logger = Logger(label: "spool-test")

    func spoolDirectory() -> String { NSTemporaryDirectory() + "spool-" + UUID().uuidString }

    @Test("Redis killed and restarted in the middle of a stream: every acknowledged event counted exactly once")
    func killAndRestart() async throws {
        let redis = try OwnedRedis()
        try await redis.start()
        // 1 s: an fsync-always write on a test machine busy with other suites' own servers can take
        // more than 300 ms, and a timed-out write spools (correctly) but breaks the count below.
        let pool = RedisPool(endpoint: redis.endpoint, size: 2, timeoutMilliseconds: 1000)
        let primary = RedisLedger(redis: pool)
        let spool = EventSpool(directory: spoolDirectory(), maxBytes: 1 << 20)
        let ledger = SpoolingLedger(primary: primary, spool: spool, logger: logger)
        let harness = LedgerHarness()
        var outcomes: [RecordOutcome] = []
        for index in 0..<300 {
            if index == 100 { redis.kill() }
            if index == 200 { try await redis.start() }
            outcomes.append(try await ledger.record(try harness.event(index, output: Int64(index))))
        }
        // Redis up: events go to it. A write whose fsync outlasts the timeout spools instead (correct,
        // and counted once below): seen in CI right after the build, the disk busy writing it back.
        #expect(outcomes[0..<100].filter { $0 == .recorded }.count >= 50)
        // Redis dead: every event spooled, none refused.
        #expect(outcomes[100..<200].allSatisfy { $0 == .spooled })
        let replayer = SpoolReplayer(ledger: primary, spool: spool, logger: logger)
        var replayed = false
        for _ in 0..<50 where !replayed {
            replayed = await replayer.replayOnce()
            if !replayed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(replayed)
        let counters = try await harness.counters(pool)
        #expect(counters["gpt-4o", .requests] == 300)
        #expect(counters["gpt-4o", .quantity(.outputTokens)] == Int64((0..<300).reduce(0, +)))
        // A second replay pass (or a redelivery) changes nothing.
        #expect(try await ledger.record(try harness.event(5, output: 5)) == .duplicate)
        #expect(try await harness.counters(pool)["gpt-4o", .requests] == 300)
        redis.kill()
        await pool.close()
    }

    @Test("a full spool is refused with spool_full; an unwritable one with spool_unavailable")
    func bounded() async throws {
        let unreachable = RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: try TestEnvironment.unusedPort()), size: 1, timeoutMilliseconds: 200)
        let harness = LedgerHarness()
        let small = SpoolingLedger(primary: RedisLedger(redis: unreachable), spool: EventSpool(directory: spoolDirectory(), maxBytes: 1000), logger: logger)
        #expect(try await small.record(try harness.event(1)) == .spooled)
        do {
            _ = try await small.record(try harness.event(2))
            Issue.record("a full spool accepted an event")
        } catch let failure as LedgerFailure {
            #expect(failure.code == "spool_full")
        }
        let blocked = NSTemporaryDirectory() + "blocked-" + UUID().uuidString
        try "not a directory".write(toFile: blocked, atomically: true, encoding: .utf8)
        let unwritable = SpoolingLedger(primary: RedisLedger(redis: unreachable), spool: EventSpool(directory: blocked, maxBytes: 1 << 20), logger: logger)
        do {
            _ = try await unwritable.record(try harness.event(3))
            Issue.record("an unwritable spool accepted an event")
        } catch let failure as LedgerFailure {
            #expect(failure.code == "spool_unavailable")
        }
    }

    @Test("a line torn by a crash or a full disk never swallows the next acknowledged event, and is quarantined")
    func tornLine() async throws {
        let harness = LedgerHarness()
        let directory = spoolDirectory()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        try await spool.append(try harness.event(1))
        // What a write cut short leaves: half a line, no newline.
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/spool.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"requestId":"torn","subscri"#.utf8))
        try handle.close()
        try await spool.append(try harness.event(2))
        let replay = try #require(try await spool.takeForReplay())
        #expect(replay.events.map(\.requestId) == [try harness.event(1).requestId, try harness.event(2).requestId])
        #expect(replay.skipped == 1)
        // Quarantined, not dropped and not blocking: an operator can still read what was torn.
        #expect(try String(contentsOfFile: directory + "/spool.quarantine.jsonl", encoding: .utf8) == #"{"requestId":"torn","subscri"# + "\n")
    }

    @Test("the bound covers the file a replay took aside while Redis is down")
    func boundCoversTheReplayFile() async throws {
        let harness = LedgerHarness()
        let line = try JSONEncoder().encode(try harness.event(1)).count + 1
        let spool = EventSpool(directory: spoolDirectory(), maxBytes: line * 5 / 2)
        try await spool.append(try harness.event(1))
        // A replay pass takes the file aside, then Redis refuses: the file stays aside.
        #expect(try await spool.takeForReplay()?.events.count == 1)
        try await spool.append(try harness.event(2))
        do {
            try await spool.append(try harness.event(3))
            Issue.record("the spool took a third line over its bound of two and a half")
        } catch let failure as LedgerFailure {
            #expect(failure.code == "spool_full")
        }
    }

    @Test("the spool holds identifiers and numbers, never body text")
    func spoolHoldsNoText() async throws {
        let unreachable = RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: try TestEnvironment.unusedPort()), size: 1, timeoutMilliseconds: 200)
        let directory = spoolDirectory()
        let ledger = SpoolingLedger(primary: RedisLedger(redis: unreachable), spool: EventSpool(directory: directory, maxBytes: 1 << 20), logger: logger)
        var builder = EnvelopeBuilder()
        builder.requestBody = "{\"messages\":[{\"role\":\"user\",\"content\":\"CANARY-PROMPT-a1\"}]}"
        builder.responseBody = "{\"choices\":[{\"message\":{\"content\":\"CANARY-COMPLETION-b2\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}"
        #expect(try await ledger.record(try UsageExtractor().extract(builder.bytes)) == .spooled)
        let spooled = try String(contentsOfFile: directory + "/spool.jsonl", encoding: .utf8)
        #expect(spooled.contains(builder.requestId))
        #expect(!spooled.contains("CANARY"))
    }

    @Test("a spool folder no handler replays (an instance scaled in) is replayed by `chargeback replay`, each event once")
    func replayCommand() async throws {
        let harness = LedgerHarness()
        let url = try TestEnvironment.plainRedisURL()
        let pool = RedisPool(endpoint: try RedisEndpoint.parse(url), size: 1, timeoutMilliseconds: 5000)
        // Nested under a folder that does not exist yet, like /home/data/chargeback-spool/<instance>.
        let directory = spoolDirectory() + "/instance-a"
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        try await spool.append(try harness.event(1))
        try await spool.append(try harness.event(2))
        // Event 2 reached Redis before its reply was lost: the replay must not count it again.
        #expect(try await RedisLedger(redis: pool).record(try harness.event(2)) == .recorded)
        var environment = ProcessInfo.processInfo.environment
        environment["REDIS_CONNECTION_STRING"] = url
        let command = try TestEnvironment.binaryDirectory() + "/chargeback"
        let first = try await Spawn.run(command, ["replay", "--spool-dir", directory], environment: environment)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("2 events (1 already counted), 0 unreadable lines"))
        #expect(try await harness.counters(pool)["gpt-4o", .requests] == 2)
        let again = try await Spawn.run(command, ["replay", "--spool-dir", directory], environment: environment)
        #expect(again.status == 0)
        #expect(again.standardOutput.contains(": 0 events"))
        #expect(try await harness.counters(pool)["gpt-4o", .requests] == 2)
        environment["REDIS_CONNECTION_STRING"] = "redis://127.0.0.1:\(try TestEnvironment.unusedPort())"
        try await spool.append(try harness.event(3))
        let down = try await Spawn.run(command, ["replay", "--spool-dir", directory], environment: environment)
        #expect(down.status == 1)
        #expect(down.standardError.contains("kept for a later attempt"))
        await pool.close()
    }
}
