import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// What the local host sends to a handler, recorded by the stub and compared with the fixtures.
@Suite("functions-host: JSON protocol", .serialized)
struct JSONProtocolHostTests {
    /// Replaces `path` members with `value` (for per-run values such as GUIDs and clocks).
    func replacing(_ document: JSONValue, _ path: [String], with value: JSONValue) -> JSONValue {
        guard let key = path.first, case var .object(members) = document,
            let index = members.firstIndex(where: { $0.key == key }) else { return document }
        members[index].value = path.count == 1 ? value : replacing(members[index].value, Array(path.dropFirst()), with: value)
        return .object(members)
    }

    /// Header objects sorted by name: curl, not the host, decides the client's header order.
    func sortingHeaders(_ document: JSONValue) -> JSONValue {
        var result = document
        for path in [["Data", "req", "Headers"], ["Metadata", "Headers"]] {
            var node: JSONValue? = document
            for key in path { node = node?[key] }
            if let members = node?.objectMembers {
                result = replacing(result, path, with: .object(members.sorted { $0.key < $1.key }))
            }
        }
        return result
    }

    @Test("an HTTP request becomes the fixture invocation, and Outputs.res becomes the client's response")
    func httpInvocation() async throws {
        let host = try HostHarness(root: try HostHarness.stubApp(hostJSON: try HostHarness.stubHostJSON(forwarding: false), forwarding: false))
        try await host.waitUntilServing()
        let response = try await host.request("POST", "/api/items/42?name=Ada", headers: [
            ("Accept", "application/json"), ("Host", "localhost:7071"), ("User-Agent", "curl/8.5.0"), ("Content-Type", "application/json"),
            ("x-functions-key", HostHarness.functionKey),
        ], body: Array("{\"message\":\"hi\",\"count\":3}".utf8))
        #expect(await host.stop() == 0)

        #expect(response.status == 201)
        #expect(response.header("X-Item-Id") == "42")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == "{\"id\":\"42\",\"message\":\"hi\",\"count\":3}")

        let invocation = try #require(host.invocations.first)
        #expect(invocation["method"] == .string("POST"))
        #expect(invocation["target"] == .string("/HttpTrigger"))
        #expect(invocation["chunked"] == .bool(true))
        #expect(invocation.recordedHeader("Content-Length") == nil)
        #expect(invocation.recordedHeader("Content-Type") == "application/json; charset=utf-8")
        #expect(invocation.recordedHeader("X-Azure-Functions-HostVersion")?.isEmpty == false)
        #expect(invocation.recordedHeader("X-Azure-Functions-InvocationId").flatMap(UUID.init(uuidString:)) != nil)
        #expect(invocation.recordedHeader("User-Agent")?.hasPrefix("Azure-Functions-Host/") == true)

        let sent = try JSONValue.parse(try #require(invocation["body"]?.stringValue))
        var expected = try Fixture.json("http-invocation-request.json")
        expected = replacing(expected, ["Data", "req", "Identities"], with: try Fixture.json("identities-function-key.json"))
        for key in ["UtcNow", "RandGuid"] {
            expected = replacing(expected, ["Metadata", "sys", key], with: try #require(sent["Metadata"]?["sys"]?[key]))
        }
        // The key header is part of what the client sent, so the host passes it on.
        let sentHeaders = try #require(sent["Data"]?["req"]?["Headers"]?.objectMembers).filter { $0.key.lowercased() != "x-functions-key" }
        let sentMetaHeaders = try #require(sent["Metadata"]?["Headers"]?.objectMembers).filter { $0.key.lowercased() != "x-functions-key" }
        var comparable = replacing(sent, ["Data", "req", "Headers"], with: .object(sentHeaders))
        comparable = replacing(comparable, ["Metadata", "Headers"], with: .object(sentMetaHeaders))
        #expect(structuralDifferences(sortingHeaders(comparable), sortingHeaders(expected)) == [])
        #expect(DotNetDate.parse(try #require(sent["Metadata"]?["sys"]?["UtcNow"]?.stringValue)) != nil)
    }

    @Test("timers: the admin API fires the first-run payload, then Last is the previous run")
    func timer() async throws {
        // The fixture's schedule also fires at every fifth minute (0 */5 * * * *): keep the test's few
        // seconds clear of that boundary, so only the admin API's two runs are counted.
        let secondsIntoFive = Int(Date().timeIntervalSince1970) % 300
        if secondsIntoFive > 280 { try await Task.sleep(for: .seconds(302 - secondsIntoFive)) }
        let host = try HostHarness(root: try HostHarness.stubApp(hostJSON: try HostHarness.stubHostJSON(forwarding: false), forwarding: false))
        try await host.waitUntilServing()
        let withoutKey = try await host.request("POST", "/admin/functions/TimerTrigger", body: Array("{\"input\":\"\"}".utf8))
        let withFunctionKey = try await host.request("POST", "/admin/functions/TimerTrigger", headers: [("x-functions-key", HostHarness.functionKey)])
        let first = try await host.request("POST", "/admin/functions/TimerTrigger", headers: [("x-functions-key", HostHarness.masterKey)], body: Array("{\"input\":\"\"}".utf8))
        let second = try await host.request("POST", "/admin/functions/timertrigger?code=\(HostHarness.masterKey)")
        let httpFunction = try await host.request("POST", "/admin/functions/HttpTrigger", headers: [("x-functions-key", HostHarness.masterKey)])
        #expect(await host.stop() == 0)
        #expect(withoutKey.status == 401)
        #expect(withFunctionKey.status == 401)
        #expect(first.status == 202)
        #expect(second.status == 202)
        #expect(httpFunction.status == 400)

        let runs = host.invocations
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0["target"] == .string("/TimerTrigger") && $0["chunked"] == .bool(true) })
        let firstBody = try JSONValue.parse(try #require(runs.first?["body"]?.stringValue))
        var expected = try Fixture.json("timer-invocation-request-first-run.json")
        for path in [["Data", "myTimer", "ScheduleStatus", "Next"], ["Metadata", "sys", "UtcNow"], ["Metadata", "sys", "RandGuid"]] {
            var node: JSONValue? = firstBody
            for key in path { node = node?[key] }
            expected = replacing(expected, path, with: try #require(node))
        }
        #expect(structuralDifferences(firstBody, expected) == [])
        let secondBody = try JSONValue.parse(try #require(runs.last?["body"]?.stringValue))
        let secondStatus = try #require(secondBody["Data"]?["myTimer"]?["ScheduleStatus"])
        let last = try #require(secondStatus["Last"]?.stringValue)
        #expect(last != DotNetDate.minValueText)
        #expect(last.hasSuffix("+00:00"))
        #expect(secondStatus["LastUpdated"]?.stringValue == last)
    }

    @Test("a schedule fires on time; more than once a minute means no monitor (ScheduleStatus null)")
    func scheduled() async throws {
        let timer = "{\"bindings\":[{\"name\":\"myTimer\",\"type\":\"timerTrigger\",\"direction\":\"in\",\"schedule\":\"*/1 * * * * *\"}]}"
        let host = try HostHarness(root: try HostHarness.stubApp(
            hostJSON: try HostHarness.stubHostJSON(forwarding: false), forwarding: false, timerJSON: timer))
        try await host.waitUntilServing()
        // Until two runs arrived (the stub handler may be slow to start on a loaded machine), then
        // no more than one a second over the time waited.
        let started = ContinuousClock.now
        var runs: [JSONValue] = []
        while runs.count < 2, ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(200))
            runs = host.invocations.filter { $0["target"] == .string("/TimerTrigger") }
        }
        let waited = (ContinuousClock.now - started).components.seconds
        #expect(await host.stop() == 0)
        runs = host.invocations.filter { $0["target"] == .string("/TimerTrigger") }
        #expect(runs.count >= 2)
        #expect(Int64(runs.count) <= waited + 2)
        for run in runs {
            let body = try JSONValue.parse(try #require(run["body"]?.stringValue))
            #expect(body["Data"]?["myTimer"]?["ScheduleStatus"] == .null)
            #expect(body["Data"]?["myTimer"]?["IsPastDue"] == .bool(false))
            #expect(body["Metadata"]?["sys"]?["MethodName"] == .string("TimerTrigger"))
        }
    }

    @Test("keys, routes and limits: 401, 404, 413 with reasons")
    func gatekeeping() async throws {
        let host = try HostHarness(
            root: try HostHarness.stubApp(hostJSON: try HostHarness.stubHostJSON(forwarding: false), forwarding: false),
            extraArguments: ["--max-body-bytes", "64"])
        try await host.waitUntilServing()
        let noKey = try await host.request("GET", "/api/items/1")
        let badKey = try await host.request("GET", "/api/items/1", headers: [("x-functions-key", "nope")])
        let queryKey = try await host.request("GET", "/api/items/1?code=\(HostHarness.functionKey)")
        let masterKey = try await host.request("GET", "/api/items/1", headers: [("x-functions-key", HostHarness.masterKey)])
        let unknown = try await host.request("GET", "/api/nothing/here", headers: [("x-functions-key", HostHarness.functionKey)])
        let noPrefix = try await host.request("GET", "/items/1", headers: [("x-functions-key", HostHarness.functionKey)])
        let wrongMethod = try await host.request("PUT", "/api/items/1", headers: [("x-functions-key", HostHarness.functionKey)])
        let tooLarge = try await host.request("POST", "/api/items/1", headers: [("x-functions-key", HostHarness.functionKey)], body: Array(repeating: 65, count: 65))
        #expect(await host.stop() == 0)
        #expect(noKey.status == 401)
        #expect(noKey.text.contains("x-functions-key"))
        #expect(badKey.status == 401)
        #expect(queryKey.status == 201)
        #expect(masterKey.status == 201)
        #expect(unknown.status == 404)
        #expect(noPrefix.status == 404)
        #expect(wrongMethod.status == 404)
        #expect(tooLarge.status == 413)
        #expect(tooLarge.text.contains("64"))
        #expect(host.invocations.count == 2)
    }
}
