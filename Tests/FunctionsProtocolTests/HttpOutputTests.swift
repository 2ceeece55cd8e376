import FunctionsProtocol
import Testing
import TestSupport

@Suite("HTTP output binding")
struct HttpOutputTests {
    func render(_ text: String, binding: String = "res") throws -> FunctionResponse {
        try HttpOutputRenderer().response(for: try InvocationResult.parse(Array(text.utf8)), bindingName: binding)
    }

    @Test("the fixture response becomes 201 with its headers and body")
    func fixture() throws {
        let response = try HttpOutputRenderer().response(
            for: try InvocationResult.parse(try Fixture.bytes("http-invocation-response.json")), bindingName: "res")
        #expect(response.status == 201)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Item-Id") == "42")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"id\":\"42\",\"message\":\"hi\",\"count\":3}")
    }

    @Test("statusCode rules: integer or numeric string; anything else is 200; status is ignored", arguments: [
        ("{\"statusCode\":\"201\"}", 201), ("{\"statusCode\":201.5}", 200), ("{\"statusCode\":\"Created\"}", 200),
        ("{\"status\":404}", 200), ("{\"StatusCode\":418}", 418),
    ])
    func statusRules(res: String, expected: Int) throws {
        #expect(try render("{\"Outputs\":{\"res\":\(res)}}").status == expected)
    }

    @Test("object bodies are indented, scalars use .NET text, default type is text/plain")
    func bodyRules() throws {
        let object = try render("{\"Outputs\":{\"res\":{\"body\":{\"a\":1}}}}")
        #expect(String(decoding: object.body, as: UTF8.self) == "{\n  \"a\": 1\n}")
        #expect(object.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(String(decoding: try render("{\"Outputs\":{\"res\":{\"body\":true}}}").body, as: UTF8.self) == "True")
    }

    @Test("res lacking gives 200 {}; a JSON string holding the object works; top-level keys ignore case")
    func shapes() throws {
        #expect(String(decoding: try render("{\"Outputs\":{}}").body, as: UTF8.self) == "{}")
        #expect(try render("{\"outputs\":{\"res\":\"{\\\"statusCode\\\":202}\"}}").status == 202)
    }

    @Test("null header values, non-JSON strings and impossible statuses fail the invocation", arguments: [
        "{\"Outputs\":{\"res\":{\"headers\":{\"X\":null}}}}", "{\"Outputs\":{\"res\":\"hello\"}}",
        "{\"Outputs\":{\"res\":{\"statusCode\":-5}}}", "{\"Outputs\":{\"res\":{\"statusCode\":1000}}}",
    ])
    func failures(text: String) {
        #expect(throws: InvocationError.self) { try render(text) }
    }

    @Test("an empty answer is refused: the real host would hang")
    func emptyAnswer() {
        #expect(throws: InvocationError.self) { try InvocationResult.parse([]) }
    }

    @Test("what the handler writes parses back to the same response")
    func roundTrip() throws {
        let response = FunctionResponse.json(status: 503, "{\"redis\":\"down\"}")
        let result = InvocationResult(httpOutput: "res", response: response, logs: ["x"])
        let back = try HttpOutputRenderer().response(for: try InvocationResult.parse(Array(result.json.compactText.utf8)), bindingName: "res")
        #expect(back == response)
        #expect(result.json["Logs"] == .array([.string("x")]))
    }
}
