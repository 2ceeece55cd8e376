import Testing
import SyntheticOpenAI

/// Faults asked for by markers, and the 404 and 400 answers.
@Suite struct FaultTests {
    static let paths: [(path: String, body: @Sendable (String) -> String)] = [
        ("/openai/deployments/gpt-4o/chat/completions", { Upstream.chatBody("Please \($0) now") }),
        ("/openai/deployments/gpt-35-turbo-instruct/completions", { "{\"prompt\":[\"a\",\"x \($0)\"]}" }),
        ("/openai/v1/embeddings", { "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"\($0)\"]}" }),
        ("/openai/v1/responses", { "{\"model\":\"o4-mini\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"\($0)\"}]}]}" }),
        ("/openai/responses", { "{\"model\":\"gpt-4.1-mini\",\"instructions\":\"\($0)\",\"input\":\"hi\"}" }),
        ("/openai/deployments/gpt-image-1/images/generations", { "{\"prompt\":\"\($0)\"}" }),
        ("/openai/v1/images/generations", { "{\"model\":\"dall-e-3\",\"prompt\":\"\($0)\"}" }),
    ]

    @Test(arguments: paths.indices)
    func rateLimitFaultAnswers429WithRetryAfter(index: Int) throws {
        let (path, body) = Self.paths[index]
        let response = Upstream.post(path, body("[[fault:429]]"))
        #expect(response.status == 429)
        #expect(response.header("Retry-After") == "1")
        let json = try Upstream.json(response)
        #expect(json.shape == (try Fixture.json("error-429.json")).shape)
        #expect(json["error"]?["code"]?.string == "429")
        #expect(json["error"]?["message"]?.string?.contains("API version 2024-10-21") == true)
    }

    @Test(arguments: paths.indices)
    func contentFilterFaultAnswers400ContentFilter(index: Int) throws {
        let (path, body) = Self.paths[index]
        let response = Upstream.post(path, body("[[fault:content_filter]]"))
        #expect(response.status == 400)
        #expect(response.header("Retry-After") == nil)
        let json = try Upstream.json(response)
        #expect(json.shape == (try Fixture.json("error-content-filter.json")).shape)
        #expect(json["error"]?["code"]?.string == "content_filter")
        #expect(json["error"]?["innererror"]?["code"]?.string == "ResponsibleAIPolicyViolation")
        #expect(json["error"]?["innererror"]?["content_filter_result"]?["jailbreak"]?["filtered"]?.bool == true)
    }

    @Test(arguments: paths.indices)
    func serverErrorFaultAnswers500(index: Int) throws {
        let (path, body) = Self.paths[index]
        let response = Upstream.post(path, body("[[fault:500]]"))
        #expect(response.status == 500)
        #expect(try Upstream.json(response)["error"]?["code"]?.string == "server_error")
    }

    @Test func completionFilterStopsTheChatWithUsage() throws {
        let path = "/openai/deployments/gpt-4o/chat/completions"
        let json = try Upstream.json(Upstream.post(path, Upstream.chatBody("[[fault:completion_filter]]")))
        #expect(json.shape == (try Fixture.json("chat-completion.json")).shape)
        #expect(json["choices"]?[0]?["finish_reason"]?.string == "content_filter")
        #expect(json["choices"]?[0]?["content_filter_results"]?["protected_material_text"]?["filtered"]?.bool == true)
        #expect((json["usage"]?["completion_tokens"]?.int ?? 0) > 0)
        let streamBody = Upstream.chatBody("[[fault:completion_filter]]", extra: ["\"stream\":true", "\"stream_options\":{\"include_usage\":true}"])
        let events = try Upstream.events(Upstream.post(path, streamBody))
        let fixture = try Fixture.events("chat-stream-content-filtered.sse")
        #expect(events[events.count - 3].json?.shape == fixture[fixture.count - 3].json?.shape)
        #expect(events[events.count - 3].json?["choices"]?[0]?["finish_reason"]?.string == "content_filter")
    }

    @Test func completionFilterLeavesTheResponseIncomplete() throws {
        let body = "{\"model\":\"gpt-4.1-mini\",\"input\":\"[[fault:completion_filter]]\",\"stream\":true}"
        let events = try Upstream.events(Upstream.post("/openai/v1/responses", body))
        let last = try #require(events.last)
        #expect(last.type == "response.incomplete")
        #expect(last.json?["response"]?["status"]?.string == "incomplete")
        #expect(last.json?["response"]?["incomplete_details"]?["reason"]?.string == "content_filter")
        #expect((last.json?["response"]?["usage"]?["output_tokens"]?.int ?? 0) > 0)
    }

    @Test(arguments: [("GET", "/openai/deployments/gpt-4o/chat/completions"), ("POST", "/openai/deployments/gpt-4o/audio/speech"),
                      ("POST", "/v1/chat/completions"), ("POST", "/openai/deployments/gpt-4o/responses"), ("POST", "/")])
    func unknownRoutesAnswer404(method: String, path: String) throws {
        let response = Upstream.upstream.respond(to: SyntheticRequest(method: method, path: path, body: Array("{}".utf8)))
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/json")
        #expect(try Upstream.json(response)["error"]?["code"]?.string == "404")
    }

    @Test(arguments: ["{not json", "", "[1,2]"])
    func malformedBodiesAnswer400(body: String) throws {
        let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", body)
        #expect(response.status == 400)
        #expect(try Upstream.json(response)["error"]?["type"]?.string == "invalid_request_error")
    }

    @Test(arguments: [
        ("/openai/deployments/gpt-4o/chat/completions", "{\"model\":\"gpt-4o\"}", "messages"),
        ("/openai/deployments/gpt-4o/chat/completions", "{\"messages\":\"hi\"}", "messages"),
        ("/openai/deployments/gpt-4o/chat/completions", "{\"messages\":[]}", "messages"),
        ("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("hi", extra: ["\"max_tokens\":0"]), "max_tokens"),
        ("/openai/v1/chat/completions", Upstream.chatBody("hi"), "model"),
        ("/openai/v1/embeddings", "{\"model\":\"e\"}", "input"),
        ("/openai/v1/images/generations", "{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"quality\":\"ultra\"}", "quality"),
        ("/openai/v1/images/generations", "{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"n\":11}", "n"),
    ])
    func invalidRequestsNameTheParameter(path: String, body: String, parameter: String) throws {
        let response = Upstream.post(path, body)
        #expect(response.status == 400)
        let error = try #require(try Upstream.json(response)["error"])
        #expect(error["type"]?.string == "invalid_request_error")
        #expect(error["param"]?.string == parameter)
    }
}
