import ChargebackApp
import Foundation
import JSONLog
import Logging
import RedisClient
import Testing

@Suite("handler configuration and logs")
struct ConfigurationTests {
    @Test("defaults and overrides")
    func reads() throws {
        let configuration = try Configuration.fromEnvironment([
            "FUNCTIONS_CUSTOMHANDLER_PORT": "7001", "REDIS_CONNECTION_STRING": "cache:6380,password=x,ssl=True", "LOG_LEVEL": "DEBUG",
        ])
        #expect(configuration.port == 7001)
        #expect(configuration.redis.usesTLS)
        #expect(configuration.logLevel == "debug")
        #expect(configuration.routePrefix == "api")
        #expect(try Configuration.fromEnvironment([:], portOverride: 9000).port == 9000)
        #expect(configuration.spoolDirectory == "/tmp/chargeback-spool")
        let perInstance = try Configuration.fromEnvironment([
            "FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_SPOOL_DIR": "/home/data/chargeback-spool/%WEBSITE_INSTANCE_ID%",
            "WEBSITE_INSTANCE_ID": "a1b2c3",
        ])
        #expect(perInstance.spoolDirectory == "/home/data/chargeback-spool/a1b2c3")
        #expect(perInstance.durability == .none && perInstance.sentinel == nil)
        let durable = try Configuration.fromEnvironment([
            "FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_DURABILITY": "Replica", "CHARGEBACK_DURABILITY_REPLICAS": "2",
            "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26379", "REDIS_SENTINEL_PRIMARY": "chargeback",
        ])
        #expect(durable.durability == .replicas(2))
        #expect(durable.sentinel?.sentinels.map(\.description) == ["redis://10.0.0.1:26379/0", "redis://10.0.0.2:26379/0"])
    }

    @Test("bad environments are refused with the variable named", arguments: [
        ([:], "FUNCTIONS_CUSTOMHANDLER_PORT"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "http"], "FUNCTIONS_CUSTOMHANDLER_PORT"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "LOG_LEVEL": "loud"], "LOG_LEVEL"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_CONNECTION_STRING": "redis://h:x"], "REDIS_CONNECTION_STRING"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_TIMEOUT_MS": "0"], "REDIS_TIMEOUT_MS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_SPOOL_DIR": "/home/data/spool/%WEBSITE_INSTANCE_ID%"], "CHARGEBACK_SPOOL_DIR"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_SPOOL_DIR": "/spool/%HOST", "HOST": "a"], "CHARGEBACK_SPOOL_DIR"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_SPOOL_DIR": "/spool/%ID%", "ID": "../etc"], "CHARGEBACK_SPOOL_DIR"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_RECORDS": "https://acct.blob.core.windows.net/records"], "CHARGEBACK_RECORDS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_DURABILITY": "sometimes"], "CHARGEBACK_DURABILITY"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_DURABILITY": "aof", "REDIS_TIMEOUT_MS": "1000"], "REDIS_TIMEOUT_MS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_DURABILITY": "replica", "CHARGEBACK_DURABILITY_REPLICAS": "0"], "CHARGEBACK_DURABILITY_REPLICAS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_SENTINELS": "127.0.0.1:26379"], "REDIS_SENTINEL_PRIMARY"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_SENTINELS": "127.0.0.1", "REDIS_SENTINEL_PRIMARY": "p"], "REDIS_SENTINELS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "REDIS_SENTINELS": "h:1", "REDIS_SENTINEL_PRIMARY": "p", "REDIS_CLUSTER": "true"], "REDIS_SENTINELS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_RECORDS": "https://acct.blob.core.windows.net/Records/x", "IDENTITY_ENDPOINT": "http://i",
          "IDENTITY_HEADER": "s"], "CHARGEBACK_RECORDS"),
        (["FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_RECORDS": "http://acct.blob.core.windows.net/records", "IDENTITY_ENDPOINT": "http://i",
          "IDENTITY_HEADER": "s"], "CHARGEBACK_RECORDS"),
    ])
    func refuses(environment: [String: String], variable: String) {
        do {
            _ = try Configuration.fromEnvironment(environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.contains(variable))
        }
    }

    @Test("log lines are one JSON object each, with dotted metadata keys")
    func jsonLines() throws {
        let lines = LockedLines()
        var logger = Logger(label: "t") { JSONLogHandler(label: $0, sink: LineSink { lines.append($0) }) }
        logger[metadataKey: "invocation.id"] = "abc"
        logger[metadataKey: "usage.outcome"] = "from the logger"
        logger.info("invocation completed", metadata: ["http.status": "200", "note": "quote \" and\nnewline\u{1}, \\ and é",
                                                      "usage.outcome": "recorded", "list": ["a", "b"], "map": ["k": "v"]])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1, "one line, whatever the values hold")
        #expect(line.contains(#"\u0001"#))
        // The time is UTC with up to 7 fractional digits, as the Functions host writes it.
        #expect(line.wholeMatch(of: #/\{"time":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z","level":"info",.*\}\n/#) != nil)
        // Keys are sorted; an event's value wins over the logger's under the same key.
        let status = try #require(line.range(of: "\"http.status\""))
        let invocation = try #require(line.range(of: "\"invocation.id\""))
        #expect(status.lowerBound < invocation.lowerBound)
        #expect(line.ranges(of: "\"usage.outcome\"").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["invocation.id"] as? String == "abc")
        #expect(object["http.status"] as? String == "200")
        #expect(object["message"] as? String == "invocation completed")
        #expect(object["level"] as? String == "info")
        #expect(object["list"] as? [String] == ["a", "b"])
        #expect(object["map"] as? [String: String] == ["k": "v"])
        #expect(object["note"] as? String == "quote \" and\nnewline\u{1}, \\ and é")
        #expect(object["usage.outcome"] as? String == "recorded")
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
