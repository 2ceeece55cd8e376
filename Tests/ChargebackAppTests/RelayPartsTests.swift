import Testing

@testable import ChargebackApp

/// The relay's pure parts: when it asks for usage, how it keeps that chunk from the client across
/// any split of the stream, what it keeps of a long answer, and which paths it serves.
@Suite("relay parts")
struct RelayPartsTests {
    let chat = "/openai/deployments/gpt-4o/chat/completions"

    @Test("include_usage is asked for exactly where the inbound policy asks for it")
    func injection() {
        let stream = Array(#"{"messages":[],"stream":true}"#.utf8)
        #expect(StreamUsageOption.apply(to: stream, path: chat, apiVersion: "2024-10-21").injected)
        #expect(String(decoding: StreamUsageOption.apply(to: stream, path: chat, apiVersion: "2024-10-21").body, as: UTF8.self)
            == #"{"messages":[],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(StreamUsageOption.apply(to: stream, path: "/openai/v1/chat/completions", apiVersion: nil).injected, "v1: any version")
        for (path, version, body) in [
            (chat, "2024-06-01", stream),                                                                // older versions refuse stream_options
            (chat, nil, stream),
            ("/openai/v1/responses", nil, Array(#"{"input":"x","stream":true}"#.utf8)),                  // Responses reports usage itself
            ("/openai/deployments/d/completions", "2024-10-21", stream),                                 // legacy completions: as the policy
            (chat, "2024-10-21", Array(#"{"messages":[],"stream":true,"data_sources":[]}"#.utf8)),       // On Your Data refuses it
            (chat, "2024-10-21", Array(#"{"messages":[]}"#.utf8)),                                       // not a stream
            (chat, "2024-10-21", Array(#"{"stream":true,"stream_options":{"include_usage":true}}"#.utf8)),
            (chat, "2024-10-21", Array("not json".utf8)),
        ] {
            let applied = StreamUsageOption.apply(to: body, path: path, apiVersion: version)
            #expect(!applied.injected && applied.body == body, "\(path) \(String(describing: version))")
        }
        let kept = StreamUsageOption.apply(to: Array(#"{"stream":true,"stream_options":{"include_obfuscation":false}}"#.utf8), path: chat, apiVersion: "2025-04-01-preview")
        #expect(String(decoding: kept.body, as: UTF8.self) == #"{"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}"#)
    }

    @Test("the usage chunk is kept from the client however the stream is split; every other byte passes", arguments: ["\n", "\r\n"])
    func stripping(newline: String) {
        let events = [
            #"data: {"choices":[],"id":"","prompt_filter_results":[]}"#, #"data: {"choices":[{"delta":{"content":"Hi"}}]}"#,
            #"data:{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#, "data: [DONE]",
        ].map { $0 + newline + newline }
        let whole = Array(events.joined().utf8)
        let expected = Array((events[0] + events[1] + events[3]).utf8)
        for size in [1, 2, 7, 64, whole.count] {
            var filter = RelayEventFilter(stripsUsage: true)
            var out: [UInt8] = []
            var index = 0
            while index < whole.count {
                out += filter.pass(Array(whole[index..<min(whole.count, index + size)]))
                index += size
            }
            out += filter.finish()
            #expect(out == expected, "split every \(size) bytes")
        }
        var passing = RelayEventFilter(stripsUsage: false)
        #expect(passing.pass(whole) + passing.finish() == whole, "a client that asked for usage gets every byte")
        var unterminated = RelayEventFilter(stripsUsage: true)
        #expect(unterminated.pass(Array("data: {\"choices\":[]}".utf8)).isEmpty && unterminated.finish() == Array("data: {\"choices\":[]}".utf8))
    }

    @Test("a long answer keeps its length and its last 64 KiB, from a line start")
    func capture() throws {
        var small = RelayCapture(limit: 100)
        small.append(Array(repeating: 65, count: 60))
        small.append(Array(repeating: 66, count: 40))
        #expect(small.head.count == 100 && small.tail == nil && small.length == 100)
        var large = RelayCapture(limit: 100)
        for index in 0..<8000 { large.append(Array("data: {\"n\":\(index)}\n\n".utf8)) }
        let tail = try #require(large.tail)
        #expect(large.head.isEmpty && large.length > 100_000 && tail.count <= RelayCapture.tailBytes)
        #expect(tail.starts(with: Array("data: ".utf8)) || tail.first == 10, "starts at a line")
        #expect(String(decoding: tail, as: UTF8.self).hasSuffix("data: {\"n\":7999}\n\n"))
    }

    @Test("only the streaming inference paths, in ASCII, with at most an api-version")
    func targets() {
        for good in ["/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "/openai/v1/chat/completions", "/openai/v1/responses",
                     "/openai/responses?api-version=2025-04-01-preview", "/openai/deployments/gpt-5.6/completions?api-version=2024-10-21"] {
            #expect(RelayTarget.path(of: good) != nil, "\(good)")
        }
        for bad in ["/openai/files", "/openai/deployments/gpt-4o/embeddings", "/openai/deployments/../chat/completions", "//evil/chat/completions",
                    "/openai/deployments/gpt-4o/chat/completions?api-version=1&x=2", "/openai/deployments/ｇｐｔ/chat/completions",
                    "/openai/deployments/g%2F/chat/completions", "http://169.254.169.254/openai/v1/responses", ""] {
            #expect(RelayTarget.path(of: bad) == nil, "\(bad)")
        }
    }
}
