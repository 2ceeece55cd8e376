import ChargebackCore
import ChargebackRedis
import ChargebackSpool
import ChildProcess
import Foundation
import Logging
import RedisClient
import Testing
import TestSupport

/// A primary, its replica and one Sentinel, all the test's own: the replication link is cut (the
/// replica frozen and dropped by the primary, as in a network partition), events are acknowledged
/// during the partition, the primary dies, Sentinel promotes the replica. Acknowledged events lost:
/// every one acknowledged in the partition without durability, none with `CHARGEBACK_DURABILITY=replica`.
final class ReplicatedRedis: @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "failover-" + UUID().uuidString
    let primaryPort: Int, replicaPort: Int, sentinelPort: Int
    var primary: ChildProcess?, replica: ChildProcess?, sentinel: ChildProcess?
    static let name = "chargeback-primary"

    init() throws {
        primaryPort = try TestEnvironment.unusedPort()
        replicaPort = try TestEnvironment.unusedPort()
        sentinelPort = try TestEnvironment.unusedPort()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func server(_ port: Int, _ extra: [String]) throws -> ChildProcess {
        try FileManager.default.createDirectory(atPath: "\(directory)/\(port)", withIntermediateDirectories: true)
        return try ChildProcess(executable: "/usr/bin/redis-server", arguments: [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", "\(directory)/\(port)", "--save", "", "--appendonly", "no",
            "--logfile", "\(directory)/\(port)/redis.log",
            // A replica's full sync starts at once: by default Redis 7 waits 5 s for more replicas
            // to share a diskless sync (repl-diskless-sync-delay), at every sync of these tests.
            "--repl-diskless-sync-delay", "0",
        ] + extra, environment: ProcessInfo.processInfo.environment)
    }

    func start() async throws {
        primary = try server(primaryPort, [])
        replica = try server(replicaPort, ["--replicaof", "127.0.0.1", String(primaryPort)])
        // Sentinel starts once the replica is in sync: it learns replicas from the primary's INFO,
        // which it reads at once and then every 10 s, so a replica not yet attached at its first
        // read would be seen only 10 s later (each test waited that long).
        let replicaPool = pool(replicaPort)
        try await until("the replica to be in sync") {
            (try? await replicaPool.send(["INFO", "replication"]))?.text?.contains("master_link_status:up") == true
        }
        let configuration = "\(directory)/sentinel.conf"
        try """
        port \(sentinelPort)
        bind 127.0.0.1
        dir \(directory)
        logfile \(directory)/sentinel.log
        sentinel monitor \(Self.name) 127.0.0.1 \(primaryPort) 1
        sentinel down-after-milliseconds \(Self.name) 60000
        sentinel failover-timeout \(Self.name) 10000
        sentinel parallel-syncs \(Self.name) 1
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        sentinel = try ChildProcess(executable: "/usr/bin/redis-server", arguments: [configuration, "--sentinel"],
                                    environment: ProcessInfo.processInfo.environment)
        let sentinelPool = pool(sentinelPort)
        try await until("Sentinel to see the replica") {
            guard case let .array(replicas)? = try? await sentinelPool.send(["SENTINEL", "replicas", Self.name]) else { return false }
            return replicas.count == 1
        }
        await replicaPool.close()
        await sentinelPool.close()
    }

    func pool(_ port: Int) -> RedisPool {
        RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), size: 1, timeoutMilliseconds: 1000)
    }

    /// Cuts replication: the replica is frozen and the primary drops its link, so nothing written
    /// from now on reaches it.
    func partition() async throws {
        replica?.send(SIGSTOP)
        let primaryPool = pool(primaryPort)
        _ = try await primaryPool.send(["CLIENT", "KILL", "TYPE", "replica"])
        await primaryPool.close()
    }

    /// The primary dies, the replica wakes, Sentinel is told to fail over; returns once Sentinel names
    /// the replica as the primary. Sentinel fails over only when told: left to detect a down primary
    /// itself (down-after-milliseconds 1000, as these tests had), a primary stalled for a second on a
    /// busy test machine makes it start a failover of its own mid-test (seen in its log), and the test's
    /// phases no longer mean what they say.
    func failOver() async throws {
        primary?.send(SIGKILL)
        _ = primary?.waitUntilExit()
        primary = nil
        replica?.send(SIGCONT)
        let sentinelPool = pool(sentinelPort)
        // Asked again until the replica is the primary: refused (NOGOODSLAVE) until Sentinel has
        // heard from the woken replica, refused (INPROG) while a failover runs, and a failover
        // that a slow machine made time out is started again.
        try await until("Sentinel to promote the replica", seconds: 60) {
            if case let .array(address)? = try? await sentinelPool.send(["SENTINEL", "get-master-addr-by-name", Self.name]),
               address.last?.text == String(self.replicaPort) {
                return true
            }
            _ = try? await sentinelPool.send(["SENTINEL", "FAILOVER", Self.name])
            return false
        }
        await sentinelPool.close()
    }

    /// A new replica of the new primary where the old primary was (as Azure replaces a failed node):
    /// until it is in sync, `replica` durability has no replica to confirm writes, and spools them.
    func replaceReplica() async throws {
        primary = try server(primaryPort, ["--replicaof", "127.0.0.1", String(replicaPort)])
        let replacement = pool(primaryPort)
        try await until("the replacement replica to be in sync") {
            (try? await replacement.send(["INFO", "replication"]))?.text?.contains("master_link_status:up") == true
        }
        await replacement.close()
    }

    func until(_ what: String, seconds: Double = 30, _ condition: @Sendable () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestEnvironment.Missing(description: "timed out waiting for \(what); the servers' logs end:\n\(logTails())")
    }

    /// The last lines of each server's log: `stop()` removes the folder, and a timeout on a CI
    /// machine is only understood from what Redis and Sentinel said.
    func logTails(lines: Int = 12) -> String {
        let logs = ["\(directory)/sentinel.log"] + [primaryPort, replicaPort].map { "\(directory)/\($0)/redis.log" }
        return logs.map { path in
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
            return "--- \(path)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func stop() {
        for process in [primary, replica, sentinel].compactMap({ $0 }) {
            process.send(SIGCONT)
            process.send(SIGKILL)
            _ = process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

// Serialized: each test runs a primary, a replica and a Sentinel of its own; one at a time keeps the
// machine's load, and the timing-sensitive suites running beside them, steady.
@Suite("acknowledged means durable: a Sentinel failover after a partition", .serialized)
struct FailoverTests {
    struct Run {
        var acknowledged = 0
        var counted: Int64 = 0
        var spooled = 0
        /// Acknowledged in the partition as recorded (not spooled): on the old primary only.
        var recordedInPartition = 0
    }

    /// 50 events before the partition, 20 during it, the failover, 30 after (the new primary has no
    /// replica yet), a replacement replica; then the spool replayed.
    func run(_ durability: RedisDurability) async throws -> Run {
        let servers = try ReplicatedRedis()
        defer { servers.stop() }
        try await servers.start()
        // 5 s: the durability check waits up to 1 s; a loaded test machine must not make a timeout of a
        // slow reply (a timed-out write is spooled, and then counted on the new primary).
        let redis = RedisPool(endpoint: RedisEndpoint(host: "127.0.0.1", port: servers.primaryPort), size: 2, timeoutMilliseconds: 5000,
                              durability: durability,
                              sentinel: SentinelResolver(sentinels: [RedisEndpoint(host: "127.0.0.1", port: servers.sentinelPort)],
                                                         primaryName: ReplicatedRedis.name))
        var logger = Logger(label: "failover")
        logger.logLevel = .critical
        let spool = EventSpool(directory: servers.directory + "/spool", maxBytes: 1 << 22)
        let primary = RedisLedger(redis: redis)
        let ledger = SpoolingLedger(primary: primary, spool: spool, logger: logger)
        let harness = LedgerHarness()
        var run = Run()
        @discardableResult
        func record(_ range: Range<Int>) async throws -> Int {
            // At once, as concurrent ingests would: their writes share flushes and durability checks.
            let outcomes = try await withThrowingTaskGroup(of: RecordOutcome.self) { group in
                for index in range { group.addTask { try await ledger.record(try harness.event(index)) } }
                return try await group.reduce(into: [RecordOutcome]()) { $0.append($1) }
            }
            run.acknowledged += outcomes.count { $0 == .recorded || $0 == .spooled }
            run.spooled += outcomes.count { $0 == .spooled }
            return outcomes.count { $0 == .recorded }
        }
        try await record(0..<50)
        try await servers.partition()
        run.recordedInPartition = try await record(50..<70)
        try await servers.failOver()
        try await record(70..<100)
        try await servers.replaceReplica()
        let replayer = SpoolReplayer(ledger: primary, spool: spool, logger: logger)
        try await servers.until("the spool to be replayed") { await replayer.replayOnce() }
        run.counted = try await harness.counters(redis)["gpt-4o", .requests] ?? 0
        await redis.close()
        return run
    }

    @Test("without durability, the events acknowledged during the partition are lost with the primary")
    func withoutDurability() async throws {
        let run = try await run(.none)
        #expect(run.acknowledged == 100)
        // Those of the partition's 20 acknowledged as recorded were on the primary only, and are lost
        // (replication being asynchronous, some of the 50 before it may be too). One the busy machine
        // made time out was spooled instead, and is counted on the new primary: not a loss.
        #expect(run.recordedInPartition > 0, "\(run)")
        #expect(run.counted <= 100 - Int64(run.recordedInPartition), "\(run)")
    }

    @Test("with CHARGEBACK_DURABILITY=replica, nothing acknowledged is lost: unconfirmed writes were spooled and replayed on the new primary")
    func withReplicaDurability() async throws {
        let run = try await run(.replicas(1))
        #expect(run.acknowledged == 100)
        // At least the partition's 20 and the 30 written while the new primary had no replica (a batch
        // the replica was slow to confirm on a busy machine is spooled too, and still counted once).
        #expect(run.spooled >= 50, "\(run)")
        #expect(run.counted == 100, "\(run)")
    }
}

@Suite("durability checks against what the server can confirm")
struct DurabilityCheckTests {
    @Test("replica durability on a Redis without replicas: the write runs, is not acknowledged, and the error is one the spool takes")
    func noReplica() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 4000,
                              durability: .replicas(1))
        let key = "durability-test-\(UUID().uuidString)"
        do {
            _ = try await redis.send(["SET", key, "1"], key: key, durable: true)
            Issue.record("a write no replica confirmed was acknowledged")
        } catch let error as RedisError {
            #expect(error == .notDurable("WAIT: 0 of 1 replicas acknowledged in time"))
            #expect(error.isTransient)
        }
        // Reads, and writes not marked durable, are answered at once.
        #expect(try await redis.send(["GET", key], key: key) == .bulk(Array("1".utf8)))
        _ = try await redis.send(["DEL", key], key: key)
        await redis.close()
    }

    @Test("aof durability on Redis 7.0 (no WAITAOF): every connection is refused with the reason, so events spool instead of being acknowledged unconfirmed")
    func noWaitAOF() async throws {
        let redis = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 4000,
                              durability: .aof)
        let plain = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 5000)
        let info = try await plain.send(["INFO", "server"]).text ?? ""
        await plain.close()
        do {
            _ = try await redis.send([Array("PING".utf8)], key: nil, durable: true)
            #expect(!info.contains("redis_version:7.0"), "a Redis without WAITAOF was used for aof durability")
        } catch let error as RedisError {
            if info.contains("redis_version:7.0") {
                #expect("\(error)".contains("needs WAITAOF (Redis 7.2 or later)"))
            } else {
                // Redis 7.2+: WAITAOF exists; without appendonly the local fsync is never confirmed.
                #expect("\(error)".contains("append-only"))
            }
            #expect(error.isTransient)
        }
        await redis.close()
    }
}

extension FailoverTests {
    @Test("the replica stalls: the event is not confirmed; found a duplicate on another connection, it is still not confirmed until the replica catches up")
    func duplicateWaitsForTheReplica() async throws {
        let servers = try ReplicatedRedis()
        defer { servers.stop() }
        try await servers.start()
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: servers.primaryPort)
        let harness = LedgerHarness()
        // Two ledgers on connections of their own (the handler's, and the spool replay's), each with
        // the day's index already written, so the next event goes straight to the record script.
        let first = RedisPool(endpoint: endpoint, size: 1, timeoutMilliseconds: 2000, durability: .replicas(1))
        let replay = RedisPool(endpoint: endpoint, size: 1, timeoutMilliseconds: 2000, durability: .replicas(1))
        let ledger = RedisLedger(redis: first), replayLedger = RedisLedger(redis: replay)
        // Warm-up writes, confirmed by the replica (retried: a busy machine may not confirm in time).
        for (warming, index) in [(ledger, 100), (replayLedger, 101)] {
            var outcome: RecordOutcome?
            for _ in 0..<20 where outcome == nil {
                outcome = try? await warming.record(try harness.event(index))
                if outcome == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(outcome == .recorded || outcome == .duplicate)
        }
        // The replica stays connected (still listed online) but stops acknowledging: a lagging replica.
        servers.replica?.send(SIGSTOP)
        let event = try harness.event(1)
        await #expect(throws: RedisError.self) { _ = try await ledger.record(event) }
        // The replay finds a duplicate. It must not pass WAIT while no replica has the event. (Redis 7.0
        // moves a connection's write offset after any command, so even a duplicate that wrote nothing
        // waits here; the record script's duplicate still writes, for versions that move it only on writes.)
        do {
            let outcome = try await replayLedger.record(event)
            Issue.record("a duplicate was acknowledged (\(outcome)) while no replica had the event")
        } catch let error as RedisError {
            #expect(error.isTransient)
        }
        servers.replica?.send(SIGCONT)
        var confirmed: RecordOutcome?
        for _ in 0..<40 where confirmed == nil {
            confirmed = try? await replayLedger.record(event)
            if confirmed == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(confirmed == .duplicate)
        #expect(try await harness.counters(replay)["gpt-4o", .requests] == 3)
        await first.close()
        await replay.close()
    }
}
