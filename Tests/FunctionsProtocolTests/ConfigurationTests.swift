import FunctionsProtocol
import Testing
import TestSupport

@Suite("host.json, function.json and routes")
struct ConfigurationTests {
    @Test("the host.json fixtures parse with their modes")
    func hostFixtures() throws {
        let plain = try HostConfiguration.parse(try Fixture.bytes("host.json"))
        #expect(plain.defaultExecutablePath == "handler")
        #expect(!plain.enableForwardingHttpRequest)
        #expect(plain.routePrefix == "api")
        #expect(plain.functionTimeoutSeconds == 300)
        #expect(try HostConfiguration.parse(try Fixture.bytes("host-forwarding.json")).enableForwardingHttpRequest)
        #expect(try HostConfiguration.parse(try Fixture.bytes("host-proxying.json")).enableProxyingHttpRequest)
    }

    @Test("the repository's own host.json is valid and forwards HTTP")
    func repositoryHost() throws {
        let host = try HostConfiguration.parse(Array(try String(contentsOfFile: TestEnvironment.repositoryRoot + "/host.json", encoding: .utf8).utf8))
        #expect(host.enableForwardingHttpRequest)
        #expect(host.routePrefix == "api")
    }

    @Test("invalid host.json is refused with the member named", arguments: [
        ("{}", "version"), ("{\"version\":\"2.0\"}", "customHandler"),
        ("{\"version\":\"2.0\",\"customHandler\":{\"description\":{}}}", "customHandler.description.defaultExecutablePath"),
        ("{\"version\":\"2.0\",\"functionTimeout\":\"5 minutes\",\"customHandler\":{\"description\":{\"defaultExecutablePath\":\"x\"}}}", "functionTimeout"),
    ])
    func refusesHost(text: String, member: String) {
        do {
            _ = try HostConfiguration.parse(Array(text.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect("\(error)".contains(member))
        }
    }

    @Test("extensions.http request limits: numbers, -1 or absent for unbounded, anything else refused")
    func requestLimits() throws {
        func host(_ http: String) throws -> HostConfiguration {
            try HostConfiguration.parse(Array("{\"version\":\"2.0\",\"extensions\":{\"http\":{\(http)}},\"customHandler\":{\"description\":{\"defaultExecutablePath\":\"h\"}}}".utf8))
        }
        let bounded = try host("\"maxOutstandingRequests\":200,\"MaxConcurrentRequests\":\"100\"")
        #expect(bounded.maxOutstandingRequests == 200)
        #expect(bounded.maxConcurrentRequests == 100)
        let unbounded = try host("\"maxOutstandingRequests\":-1")
        #expect(unbounded.maxOutstandingRequests == nil)
        #expect(unbounded.maxConcurrentRequests == nil)
        for bad in ["\"maxOutstandingRequests\":0", "\"maxConcurrentRequests\":-5", "\"maxOutstandingRequests\":\"many\""] {
            #expect(throws: InvocationError.self) { try host(bad) }
        }
    }

    @Test("legacy httpWorker section and case-insensitive keys")
    func legacy() throws {
        let host = try HostConfiguration.parse(Array("{\"VERSION\":\"2.0\",\"httpWorker\":{\"Description\":{\"DefaultExecutablePath\":\"h\"}}}".utf8))
        #expect(host.enableForwardingHttpRequest)
        #expect(host.defaultExecutablePath == "h")
    }

    @Test("function.json fixtures")
    func functionFixtures() throws {
        let http = try FunctionMetadata.parse(name: "HttpTrigger", json: try Fixture.bytes("function-http.json"))
        #expect(http.isHTTPInAndOut)
        guard case let .http(trigger) = http.trigger else { Issue.record("not http"); return }
        #expect(trigger.route == "items/{id}")
        #expect(trigger.methods == ["GET", "POST"])
        #expect(trigger.authLevel == .function)
        let timer = try FunctionMetadata.parse(name: "TimerTrigger", json: try Fixture.bytes("function-timer.json"))
        #expect(!timer.isHTTPInAndOut)
        guard case let .timer(timerTrigger) = timer.trigger else { Issue.record("not a timer"); return }
        #expect(timerTrigger.bindingName == "myTimer")
        #expect(timerTrigger.schedule == "0 */5 * * * *")
        #expect(!timerTrigger.runOnStartup)
        #expect(timerTrigger.useMonitor)
    }

    @Test("bad function names and bindings are refused", arguments: [
        ("9lives", "{\"bindings\":[]}"), ("host", "{\"bindings\":[]}"),
        ("ok", "{\"bindings\":[{\"type\":\"httpTrigger\",\"name\":\"bad name\"}]}"),
        ("ok", "{\"bindings\":[{\"type\":\"timerTrigger\",\"name\":\"t\",\"schedule\":\"nope\"}]}"),
        ("ok", "{\"bindings\":[{\"type\":\"httpTrigger\",\"name\":\"req\",\"authLevel\":\"root\"}]}"),
        ("ok", "{\"bindings\":[{\"type\":\"queue\",\"name\":\"q\"}]}"),
    ])
    func refusesFunction(name: String, json: String) {
        #expect(throws: InvocationError.self) { try FunctionMetadata.parse(name: name, json: Array(json.utf8)) }
    }

    @Test("route templates")
    func routes() throws {
        let items = try RouteTemplate("items/{id}")
        #expect(items.match("items/42").map { $0.map(\.value) } == ["42"])
        #expect(items.match("ITEMS/42") != nil)
        #expect(items.match("items") == nil)
        #expect(items.match("items/42/x") == nil)
        let optional = try RouteTemplate("v1/{name?}")
        #expect(optional.match("v1").map { $0.map(\.value) } == [nil])
        let catchAll = try RouteTemplate("files/{*path}")
        #expect(catchAll.match("files/a/b%20c").map { $0.map(\.value) } == ["a/b c"])
        #expect(throws: RouteTemplate.ParseError.self) { try RouteTemplate("a/{*x}/b") }
    }

    @Test("query strings and base64")
    func encodings() {
        #expect(QueryString.parse("a=1&b=x%20y+z&c").map { [$0.name, $0.value] } == [["a", "1"], ["b", "x y z"], ["c", ""]])
        #expect(QueryString.encode([("a b", "é/")]) == "a%20b=%C3%A9%2F")
        #expect(Base64.encode(Array("hello".utf8)) == "aGVsbG8=")
        #expect(Base64.decode("aGVsbG8=") == Array("hello".utf8))
        #expect(Base64.decode("a$") == nil)
    }
}
