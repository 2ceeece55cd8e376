import FunctionsProtocol
import Testing
import TestSupport

@Suite("HTTP trigger serialization")
struct HttpTriggerTests {
    /// The client request behind `http-invocation-request.json`.
    static let postRequest = FunctionRequest(
        method: "POST", path: "/api/items/42", query: [("name", "Ada")],
        headers: [("Accept", "application/json"), ("Host", "localhost:7071"), ("User-Agent", "curl/8.5.0"),
                  ("Content-Type", "application/json"), ("Content-Length", "26")],
        body: Array("{\"message\":\"hi\",\"count\":3}".utf8))

    @Test("a POST is serialized exactly as the host's fixture, key by key and type by type")
    func postMatchesFixture() throws {
        let expected = try Fixture.json("http-invocation-request.json")
        let built = HttpTriggerSerializer().invocation(
            bindingName: "req", functionName: "HttpTrigger", request: Self.postRequest,
            url: "http://localhost:7071/api/items/42?name=Ada", routeParameters: [("id", "42")],
            identities: [HttpTriggerSerializer.anonymousIdentity],
            utcNow: "2026-01-15T10:05:00.1234567Z", randGuid: "f1f49331-5b43-4295-9494-b8fd18708070")
        #expect(structuralDifferences(built, expected) == [])
    }

    @Test("the captured GET (host 4.33.2) is reproduced byte for byte")
    func getMatchesCapture() throws {
        let captured = try Fixture.json("http-invocation-request-get-captured.json")
        let headers = try #require(captured["Data"]?["req"]?["Headers"]?.objectMembers).map { ($0.key, $0.value.arrayValue?.first?.stringValue ?? "") }
        let request = FunctionRequest(method: "GET", path: "/api/SimpleHttpTrigger", headers: headers)
        let built = HttpTriggerSerializer().invocation(
            bindingName: "req", functionName: "SimpleHttpTrigger", request: request,
            url: "http://localhost:7071/api/SimpleHttpTrigger", routeParameters: [], identities: [HttpTriggerSerializer.anonymousIdentity],
            utcNow: "2024-05-14T15:14:15.128919Z", randGuid: "7a85f722-f6ba-4add-9a45-7ed862be02ae")
        #expect(built.compactText == captured.compactText)
    }

    @Test("the handler reads the fixture back into the request the client sent")
    func parserReadsFixture() throws {
        let request = try HttpTriggerParser().request(fromInvocation: try Fixture.bytes("http-invocation-request.json"), bindingName: "req")
        #expect(request.method == "POST")
        #expect(request.path == "/api/items/42")
        #expect(request.queryValue("name") == "Ada")
        #expect(request.header("content-type") == "application/json")
        #expect(request.parameters == ["id": "42"])
        #expect(String(decoding: request.body, as: UTF8.self) == "{\"message\":\"hi\",\"count\":3}")
    }

    @Test("Body is absent without Content-Length, base64 for octet-stream")
    func bodyRules() throws {
        var chunked = Self.postRequest
        chunked.headers.removeAll { $0.name == "Content-Length" }
        let withoutLength = HttpTriggerSerializer().data(request: chunked, url: "http://x/", routeParameters: [], identities: [])
        #expect(withoutLength["Body"] == nil)

        let binary = FunctionRequest(method: "POST", path: "/", headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "3")], body: [0, 255, 10])
        let data = HttpTriggerSerializer().data(request: binary, url: "http://x/", routeParameters: [], identities: [])
        #expect(data["Body"] == .string("AP8K"))
        let back = try HttpTriggerParser().request(fromTrigger: data, bindingName: "req")
        #expect(back.body == [0, 255, 10])
    }

    @Test("the old string form of Query (before Sept 2020) is accepted")
    func legacyQueryString() throws {
        let trigger = try JSONValue.parse("{\"Url\":\"http://h/api/x?a=1\",\"Method\":\"GET\",\"Query\":\"{\\\"a\\\":\\\"1\\\"}\",\"Headers\":{}}")
        #expect(try HttpTriggerParser().request(fromTrigger: trigger, bindingName: "req").queryValue("a") == "1")
    }

    @Test("an invocation without Data or Metadata is refused with the member named", arguments: [
        ("{}", "Data"), ("{\"Data\":{}}", "Metadata"), ("{\"Data\":{},\"Metadata\":{}}", "Data.req"), ("[1]", "Data"),
    ])
    func refusesNonInvocations(body: String, member: String) {
        #expect(throws: InvocationError.missingMember(member)) {
            try HttpTriggerParser().request(fromInvocation: Array(body.utf8), bindingName: "req")
        }
    }
}
