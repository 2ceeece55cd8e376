import ChargebackCore
import Testing
import TestSupport

/// Every response shape in fixtures/openai/, wrapped in an envelope as the policy sends it, and the
/// meters it must give.
@Suite("extraction golden tests")
struct GoldenExtractionTests {
    static let chatPath = "/openai/deployments/gpt-4o/chat/completions"

    func extract(_ builder: EnvelopeBuilder) throws -> UsageEvent {
        try UsageExtractor().extract(builder.bytes)
    }

    func meters(_ build: (inout Meters) -> Void) -> Meters {
        var meters = Meters()
        build(&meters)
        return meters
    }

    @Test("chat completion: cached tokens are split out of the prompt")
    func chat() throws {
        let event = try extract(try .forFixture("chat-completion.json", path: Self.chatPath))
        #expect(event.usageSource == .reported)
        #expect(event.operation == .chat)
        #expect(event.deployment == "gpt-4o")
        #expect(event.modelVersion == "gpt-4o-2024-11-20")
        #expect(event.meters == meters { $0.inputTokens = 209; $0.cachedInputTokens = 1664; $0.outputTokens = 52 })
        #expect(event.flags.isEmpty)
    }

    @Test("cache writes are part of the prompt, split out like cached reads (chat and Responses)")
    func cacheWrites() throws {
        var chat = EnvelopeBuilder()
        chat.requestBody = EnvelopeBuilder.chatRequest
        chat.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":10000,"completion_tokens":50,"prompt_tokens_details":{"cached_tokens":2000,"cache_write_tokens":3000}}}"#
        #expect(try extract(chat).meters == meters { $0.inputTokens = 5000; $0.cachedInputTokens = 2000; $0.cacheWriteInputTokens = 3000; $0.outputTokens = 50 })
        var responses = EnvelopeBuilder()
        responses.path = "/openai/v1/responses"
        responses.requestBody = #"{"model":"gpt-4o","input":"hi"}"#
        responses.responseBody = #"{"object":"response","status":"completed","usage":{"input_tokens":900,"output_tokens":10,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":800}}}"#
        #expect(try extract(responses).meters == meters { $0.inputTokens = 100; $0.cacheWriteInputTokens = 800; $0.outputTokens = 10 })
        // More written and read than the prompt holds: not believed, estimated and flagged.
        chat.responseBody = #"{"model":"gpt-4o","usage":{"prompt_tokens":1000,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":600,"cache_write_tokens":600}}}"#
        let impossible = try extract(chat)
        #expect(impossible.flags.contains("response_unreadable"))
        #expect(impossible.meters.cacheWriteInputTokens == 0)
    }

    @Test("reasoning tokens are part of the output, shown and not added again")
    func reasoning() throws {
        let event = try extract(try .forFixture("chat-completion-reasoning.json", path: "/openai/deployments/o4-mini/chat/completions"))
        #expect(event.meters == meters { $0.inputTokens = 2210; $0.outputTokens = 1498; $0.reasoningTokens = 1472 })
        #expect(event.modelVersion == "o4-mini-2025-04-16")
    }

    @Test("audio tokens are split out of prompt and completion")
    func audio() throws {
        let event = try extract(try .forFixture("chat-completion-audio.json", path: "/openai/deployments/gpt-4o-audio/chat/completions"))
        #expect(event.meters == meters {
            $0.inputTokens = 23; $0.audioInputTokens = 38; $0.outputTokens = 22; $0.audioOutputTokens = 126
        })
    }

    @Test("a chat stream with include_usage is exact")
    func streamWithUsage() throws {
        let event = try extract(try .forFixture("chat-stream-with-usage.sse", path: Self.chatPath, stream: true))
        #expect(event.isStream)
        #expect(event.usageSource == .reported)
        #expect(event.modelVersion == "gpt-4o-2024-11-20")
        #expect(event.meters == meters { $0.inputTokens = 209; $0.cachedInputTokens = 1664; $0.outputTokens = 12 })
        #expect(event.flags.isEmpty)
    }

    @Test("a chat stream without usage is estimated from the request and the streamed text, and flagged")
    func streamWithoutUsage() throws {
        let event = try extract(try .forFixture("chat-stream-without-usage.sse", path: Self.chatPath, stream: true))
        #expect(event.usageSource == .estimated)
        // 79 characters of roles and content → 20 tokens, + 3 per message, + 3 to prime the reply.
        // 61 streamed characters → 16 tokens.
        #expect(event.meters == meters { $0.inputTokens = 29; $0.outputTokens = 16 })
        #expect(event.flags == ["stream_without_usage"])
    }

    @Test("a content-filtered stream still bills its usage")
    func streamContentFiltered() throws {
        let event = try extract(try .forFixture("chat-stream-content-filtered.sse", path: Self.chatPath, stream: true))
        #expect(event.meters == meters { $0.inputTokens = 18; $0.outputTokens = 9 })
        #expect(event.modelVersion == "gpt-4o-mini-2024-07-18")
    }

    @Test("legacy completions and embeddings")
    func completionAndEmbeddings() throws {
        let completion = try extract(try .forFixture("completion-legacy.json", path: "/openai/deployments/instruct/completions"))
        #expect(completion.operation == .completion)
        #expect(completion.meters == meters { $0.inputTokens = 11; $0.outputTokens = 19 })
        let embeddings = try extract(try .forFixture("embeddings.json", path: "/openai/deployments/embed-small/embeddings"))
        #expect(embeddings.operation == .embedding)
        #expect(embeddings.meters == meters { $0.inputTokens = 17 })
        #expect(embeddings.deployment == "embed-small")
    }

    @Test("Responses API: JSON and stream, cached and reasoning tokens, the response id kept")
    func responses() throws {
        var builder = try EnvelopeBuilder.forFixture("responses.json", path: "/openai/v1/responses")
        builder.deployment = nil
        builder.requestBody = "{\"model\":\"o4-mini-prod\",\"input\":\"Summarise team A's usage.\"}"
        let plain = try extract(builder)
        #expect(plain.operation == .response)
        #expect(plain.deployment == "o4-mini-prod")
        #expect(plain.responseId == "resp_6924b3c1d2e48190a1b2c3d4e5f60718")
        #expect(plain.meters == meters { $0.inputTokens = 1072; $0.cachedInputTokens = 2048; $0.outputTokens = 742; $0.reasoningTokens = 704 })
        let stream = try extract(try .forFixture("responses-stream.sse", path: "/openai/v1/responses", stream: true))
        #expect(stream.usageSource == .reported)
        #expect(stream.responseId == "resp_6924b5000a1c8190aabbccddeeff0011")
        #expect(stream.modelVersion == "gpt-4.1-mini-2025-04-14")
        #expect(stream.meters == meters { $0.inputTokens = 256; $0.cachedInputTokens = 1280; $0.outputTokens = 6 })
    }

    @Test("a background response is pending: nothing counted now, the id kept for the later GET")
    func background() throws {
        let event = try extract(try .forFixture("responses-background-queued.json", path: "/openai/v1/responses"))
        #expect(event.usageSource == .none)
        #expect(event.meters.isEmpty)
        #expect(event.flags == ["background_pending"])
        #expect(event.responseId == "resp_6924b4aa00c08190ffeeddccbbaa9988")
    }

    @Test("images: dall-e-3 per image with the request's size and quality; gpt-image-1 by tokens")
    func images() throws {
        let dalle = try extract(try .forFixture(
            "images-dalle3.json", path: "/openai/deployments/dalle3/images/generations",
            request: "{\"prompt\":\"a bar chart\",\"size\":\"1792x1024\",\"quality\":\"hd\",\"n\":1}"))
        #expect(dalle.operation == .image)
        #expect(dalle.meters == meters { $0.images = 1; $0.imageSize = "1792x1024"; $0.imageQuality = "hd" })
        let gptImage = try extract(try .forFixture(
            "images-gpt-image-1.json", path: "/openai/deployments/gpt-image-1/images/generations", request: "{\"prompt\":\"a chart\"}"))
        #expect(gptImage.meters == meters {
            $0.inputTokens = 52; $0.imageOutputTokens = 1056; $0.images = 1; $0.imageSize = "1024x1024"; $0.imageQuality = "medium"
        })
    }

    @Test("transcription: tokens, whisper duration, or unknown")
    func transcription() throws {
        let path = "/openai/deployments/whisper/audio/transcriptions"
        let tokens = try extract(try .forFixture("transcription.json", path: path, request: nil))
        #expect(tokens.meters == meters { $0.audioInputTokens = 1168; $0.outputTokens = 17 })
        let verbose = try extract(try .forFixture("transcription-whisper-verbose.json", path: path, request: nil))
        #expect(verbose.meters == meters { $0.audioMilliseconds = 93_480 })
        let plain = try extract(try .forFixture("transcription-whisper-json.json", path: path, request: nil))
        #expect(plain.usageSource == .none)
        #expect(plain.flags.contains("duration_unknown"))
    }

    @Test("speech bills the request's characters; the audio is not needed")
    func speech() throws {
        var builder = EnvelopeBuilder()
        builder.path = "/openai/deployments/tts/audio/speech"
        builder.requestBody = "{\"model\":\"tts-1\",\"input\":\"Hello, wörld\",\"voice\":\"alloy\"}"
        builder.responseContentType = "audio/mpeg"
        builder.responseBody = nil
        let event = try extract(builder)
        #expect(event.operation == .speech)
        #expect(event.meters == meters { $0.characters = 12 })
        #expect(event.usageSource == .reported)
    }

    @Test("errors count a request with no tokens", arguments: [
        ("error-429.json", 429), ("error-401.json", 401), ("error-apim-401-missing-key.json", 401),
        ("error-apim-429-rate-limit.json", 429), ("error-image-content-filter.json", 400),
    ])
    func errors(fixture: String, status: Int) throws {
        let event = try extract(try .forFixture(fixture, path: Self.chatPath, status: status))
        #expect(event.statusCode == status)
        #expect(event.usageSource == .none)
        #expect(event.meters.isEmpty)
    }

    @Test("a prompt rejected by the content filter is billed: its tokens are estimated and flagged")
    func contentFilter() throws {
        let event = try extract(try .forFixture("error-content-filter.json", path: Self.chatPath, status: 400))
        #expect(event.usageSource == .estimated)
        #expect(event.meters == meters { $0.inputTokens = 29 })
        #expect(event.flags == ["content_filtered"])
    }

    @Test("batches: the completed batch object's usage is counted once under its id; files are not billed")
    func batches() throws {
        let completed = try extract(try .forFixture("batch-object.json", path: "/openai/batches/batch_7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", request: nil))
        #expect(completed.operation == .batch)
        #expect(completed.batchId == "batch_7c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f")
        #expect(completed.meters == meters { $0.inputTokens = 5220; $0.outputTokens = 1410 })
        #expect(completed.flags.contains("batch_total"))
        var output = try EnvelopeBuilder.forFixture("batch-output.jsonl", path: "/openai/files/file-0f1e2d3c4b5a46978869aabbccddeeff/content", request: nil)
        output.responseContentType = "application/octet-stream"
        let download = try extract(output)
        #expect(download.operation == .other)
        #expect(download.usageSource == .none)
        var input = EnvelopeBuilder()
        input.path = "/openai/files"
        input.requestBody = String(decoding: try Fixture.bytes("openai/batch-input.jsonl"), as: UTF8.self)
        input.responseBody = "{\"id\":\"file-5a6b7c8d9e0f41a2b3c4d5e6f7a8b9c0\",\"object\":\"file\",\"purpose\":\"batch\"}"
        #expect(try extract(input).meters.isEmpty)
    }

    @Test("Responses streams that end incomplete or failed still bill their usage")
    func responsesTerminalEvents() throws {
        for status in ["incomplete", "failed"] {
            var builder = EnvelopeBuilder()
            builder.path = "/openai/v1/responses"
            builder.isStream = true
            builder.responseContentType = "text/event-stream"
            builder.responseBody = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"model\":\"gpt-4.1\",\"usage\":null}}\n\n"
                + "event: response.\(status)\ndata: {\"type\":\"response.\(status)\",\"response\":{\"id\":\"resp_1\",\"status\":\"\(status)\",\"model\":\"gpt-4.1\",\"usage\":{\"input_tokens\":40,\"output_tokens\":7,\"total_tokens\":47}}}\n\n"
            let event = try extract(builder)
            #expect(event.usageSource == .reported)
            #expect(event.meters == meters { $0.inputTokens = 40; $0.outputTokens = 7 })
            #expect(event.responseId == "resp_1")
        }
    }

    @Test("a streamed body that was not captured: prompt estimated, completion unknown")
    func notCaptured() throws {
        var builder = EnvelopeBuilder()
        builder.isStream = true
        builder.responseContentType = "text/event-stream"
        builder.requestBody = EnvelopeBuilder.chatRequest
        let event = try extract(builder)
        #expect(event.usageSource == .estimated)
        #expect(event.meters == meters { $0.inputTokens = 29 })
        #expect(event.flags == ["response_not_captured"])
    }
}
