import ChargebackCore
import ChargebackRecords
import ChargebackRedis
import Foundation
import RedisClient
import Testing
import TestSupport

/// The `chargeback` executable's start-up contract: a readable message and a non-zero exit on a fatal
/// start error (exit code 0 would make the Functions host give up on it silently).
@Suite("chargeback executable start-up")
struct ExecutableTests {
    struct Outcome {
        let status: Int32
        let stderr: String
    }

    func run(_ arguments: [String], environment: [String: String]) async throws -> Outcome {
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", arguments,
                                          environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
        return Outcome(status: outcome.status, stderr: outcome.standardError)
    }

    @Test("no port: exit 1 naming FUNCTIONS_CUSTOMHANDLER_PORT")
    func noPort() async throws {
        let outcome = try await run([], environment: [:])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("FUNCTIONS_CUSTOMHANDLER_PORT"))
    }

    @Test("bad configuration: exit 1 naming the variable")
    func badConfiguration() async throws {
        let outcome = try await run(["--port", "1"], environment: ["REDIS_CONNECTION_STRING": "redis://:x@host:notaport"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("REDIS_CONNECTION_STRING"))
        #expect(!outcome.stderr.contains(":x@"))
    }

    @Test("port taken: exit 1 with the address")
    func portTaken() async throws {
        let (descriptor, port) = try TestEnvironment.boundSocket(listening: true)
        defer { close(descriptor) }
        let outcome = try await run([], environment: ["FUNCTIONS_CUSTOMHANDLER_PORT": String(port)])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("127.0.0.1:\(port)"))
    }
}

@Suite("chargeback extract")
struct ExtractCommandTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let outcome = try await Spawn.run(try TestEnvironment.binaryDirectory() + "/chargeback", ["extract"] + arguments,
                                          environment: ProcessInfo.processInfo.environment)
        return (outcome.status, outcome.standardOutput, outcome.standardError)
    }

    @Test("prints the event of a documented example")
    func example() async throws {
        let result = try await run([TestEnvironment.repositoryRoot + "/docs/examples/chat-completion.envelope.json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"cachedInputTokens\" : 1664"))
        #expect(!result.stdout.contains("Chargeback assigns"))
    }

    @Test("exit 2 with the reason code on a refused envelope, 1 on an unreadable file")
    func failures() async throws {
        let file = NSTemporaryDirectory() + "bad-\(UUID().uuidString).json"
        try "{\"schemaVersion\":2}".write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try await run([file])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("unsupported_schema_version:"))
        let tooLarge = try await run([file, "--max-bytes", "5"])
        #expect(tooLarge.status == 2)
        #expect(tooLarge.stderr.hasPrefix("envelope_too_large:"))
        let missing = try await run(["/nonexistent/envelope.json"])
        #expect(missing.status == 1)
    }
}

/// `chargeback inspect` and `ingest-load --feed` on bad input: a reason and a non-zero exit, never a crash.
@Suite("harness tools on bad input")
struct HarnessToolInputTests {
    func run(_ tool: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let path = try TestEnvironment.binaryDirectory() + "/" + tool
        if let input {
            let file = NSTemporaryDirectory() + "feed-\(UUID().uuidString).txt"
            try input.write(toFile: file, atomically: true, encoding: .utf8)
            let outcome = try await Spawn.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$FEED\"", path] + arguments,
                                              environment: ["PATH": "/usr/bin:/bin", "FEED": file])
            return (outcome.status, outcome.standardOutput, outcome.standardError)
        }
        let outcome = try await Spawn.run(path, arguments, environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
        return (outcome.status, outcome.standardOutput, outcome.standardError)
    }

    @Test("inspect: a malformed day or month, or a subscription without a day, is a usage error naming the option")
    func inspectArguments() async throws {
        for (arguments, named) in [(["inspect", "--day", "2026-13-01"], "--day"), (["inspect", "--snapshot", "yesterday"], "--snapshot"),
                                   (["inspect", "--month", "2026-1"], "--month"), (["inspect", "--subscription", "team-a"], "--day")] {
            let result = try await run("chargeback", arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(named), "\(arguments): \(result.stderr)")
        }
    }

    @Test("inspect: Redis down, or a refused envelope for --record-call, exits 1 with the reason")
    func inspectFailures() async throws {
        let down = try await run("chargeback", ["inspect", "--snapshot", "2026-11-29"],
                                 environment: ["REDIS_CONNECTION_STRING": "redis://127.0.0.1:\(try TestEnvironment.unusedPort())", "REDIS_TIMEOUT_MS": "500"])
        #expect(down.status == 1 && down.stderr.hasPrefix("chargeback inspect:"), "\(down.stderr)")
        let file = NSTemporaryDirectory() + "refused-\(UUID().uuidString).json"
        try "{\"schemaVersion\":2}".write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try await run("chargeback", ["inspect", "--record-call", file],
                                    environment: ["REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL()])
        #expect(refused.status == 1 && refused.stderr.contains("schema"), "\(refused.stderr)")
    }

    @Test("ingest-load --feed: a line that is not ITEM, COUNT, URL, KEY, BODY, or an item cut short, exits 2 with the reason")
    func feedInput() async throws {
        for (input, reason) in [("just one field\n", "is not ITEM, COUNT, URL, KEY, BODY"), ("1\tzero\thttp://127.0.0.1:9/\tk\t{}\n", "is not ITEM"),
                                ("1\t2\thttp://127.0.0.1:9/\tk\t{}\n", "input ended inside an item"),
                                ("1\t2\thttp://127.0.0.1:9/\tk\t{}\n2\t1\thttp://127.0.0.1:9/\tk\t{}\n", "fewer lines than its COUNT")] {
            let result = try await run("ingest-load", ["--feed", "--concurrency", "1"], input: input)
            #expect(result.status == 2, "\(input)")
            #expect(result.stderr.contains(reason), "\(input): \(result.stderr)")
        }
        // Well-formed input to a port nobody listens on: every delivery answered, as `no_answer`.
        let unreachable = try await run("ingest-load", ["--feed", "--concurrency", "2"],
                                        input: "1\t2\thttp://127.0.0.1:9/x\tk\t{}\n1\t2\thttp://127.0.0.1:9/x\tk\t{}\n2\t1\thttp://127.0.0.1:9/x\tk\t{}\n")
        #expect(unreachable.status == 0)
        #expect(unreachable.stdout.split(separator: "\n").count == 3 && unreachable.stdout.contains("0\tno_answer:"))
    }

    @Test("restore: an archive rebuilt into Redis by the command; again, nothing to do; bad input exits with the reason")
    func restore() async throws {
        let root = NSTemporaryDirectory() + "records-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Records of two days made in memory (their days are the harness's own: no other test writes them).
        let harness = MoneyHarness()
        let scenario = RestoreScenario(harness: harness, archive: FolderArchive(root: root))
        try await harness.record("a", id: "1", prompt: 2000, completion: 20)
        _ = try await scenario.rollup(harness.backend).runDue(now: harness.now, graceHours: 0, catchUpDays: 2)
        let redis = ["REDIS_CONNECTION_STRING": try TestEnvironment.plainRedisURL()]
        let range = ["--from", "\(scenario.days[0])", "--to", "\(scenario.days[1])"]
        let first = try await run("chargeback", ["restore", "--records", root] + range, environment: redis)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("restored 2 revisions of 2 days"), "\(first.stdout)")
        let store = SnapshotStore(redis: RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), timeoutMilliseconds: 5000))
        #expect(try await store.latest(harness.day)?.lines.pricedCost == Money(exactText: "0.0052"))
        let again = try await run("chargeback", ["restore", "--records", root] + range, environment: redis)
        #expect(again.status == 0 && again.stdout.contains("restored 0 revisions of 0 days") && again.stdout.contains("2 days already present"), "\(again.stdout)")
        // Bad input: each exits non-zero with its reason on stderr.
        let cases: [([String], Int32, String)] = [
            (["restore", "--records", root + "-missing"], 66, "does not exist"),
            (["restore", "--records", "https://acct.blob.core.windows.net/Bad/x"], 64, "CHARGEBACK_RECORDS"),
            (["restore"], 64, "no archive"),
            (["restore", "--records", root, "--from", "2026-02-30"], 64, "--from"),
            (["restore", "--records", root, "--from", "2026-12-02", "--to", "2026-12-01"], 64, "after"),
        ]
        for (arguments, status, reason) in cases {
            let result = try await run("chargeback", arguments, environment: redis)
            #expect(result.status == status && result.stderr.contains(reason), "\(arguments): \(result.status) \(result.stderr)")
        }
        // A record altered by hand: its day is refused and named, exit 1.
        let name = SnapshotRecord.name(harness.day, revision: 1)
        let text = try String(contentsOfFile: root + "/" + name, encoding: .utf8)
        try text.replacingOccurrences(of: "\"quantity\":2000", with: "\"quantity\":2001").write(toFile: root + "/" + name, atomically: false, encoding: .utf8)
        let tampered = try await run("chargeback", ["restore", "--records", root] + range, environment: redis)
        #expect(tampered.status == 1 && tampered.stderr.contains("\(harness.day): refused: a record is unreadable"), "\(tampered.stderr)")
    }
}
