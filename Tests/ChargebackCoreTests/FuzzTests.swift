import ChargebackCore
import Foundation
import Testing
import TestSupport

/// A seeded generator of hostile envelopes: mutations of real ones (byte flips, truncation,
/// duplication, splices of JSON tokens, huge and negative numbers, deep nesting). Every input must
/// give an event or a reason code: no crash, no hang, and sane numbers when accepted.
/// `FUZZ_ITERATIONS` sets the count (100,000 by default; CI runs the default).
@Suite("extraction under a seeded fuzzer")
struct FuzzTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", "\"", "\\", ":", ",", "null", "true", "-1", "1e999", "99999999999999999999", "0.5", "\\u0000", "\\ud800",
        "\n\n", "data: ", "[DONE]", "\"usage\":", "\"prompt_tokens\":", "\u{00e9}", "\u{1F600}",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80]]

    static func seeds() throws -> [[UInt8]] {
        let chat = "/openai/deployments/gpt-4o/chat/completions"
        var seeds: [[UInt8]] = [EnvelopeBuilder().bytes]
        for (fixture, path, stream) in [
            ("chat-completion.json", chat, false), ("chat-stream-with-usage.sse", chat, true), ("chat-stream-without-usage.sse", chat, true),
            ("responses-stream.sse", "/openai/v1/responses", true), ("images-gpt-image-1.json", "/openai/deployments/i/images/generations", false),
            ("transcription-whisper-verbose.json", "/openai/deployments/w/audio/transcriptions", false),
            ("error-content-filter.json", chat, false),
        ] {
            seeds.append(try EnvelopeBuilder.forFixture(fixture, path: path, status: fixture.hasPrefix("error") ? 400 : 200, stream: stream).bytes)
        }
        return seeds
    }

    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &random)))
            case 2: bytes.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &random)], at: at)
            case 3: bytes = Array(bytes[..<at])
            case 4:
                let end = min(bytes.count, at + Int.random(in: 1...256, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            default:
                let depth = Int.random(in: 1...200, using: &random)
                bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth), at: at)
            }
        }
        return bytes
    }

    @Test("mutated envelopes never crash and accepted ones have sane meters")
    func fuzz() async throws {
        // Seconds of CPU-bound work run off the cooperative pool that the live-server tests need.
        // A thread of our own with an 8 MiB stack: libdispatch worker threads can have small stacks,
        // and debug-build frames of the scanner are large.
        let outcome: Result<Summary, any Error> = await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: Result { try run() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
        let summary = try outcome.get()
        #expect(summary.insane == 0, "accepted events with impossible meters")
        // Both outcomes must occur, or the generator is not exercising the parser.
        #expect(summary.accepted > summary.iterations / 100)
        #expect(summary.codes.count >= 5)
    }

    struct Summary {
        var iterations = 0
        var accepted = 0
        var insane = 0
        var codes: [String: Int] = [:]
    }

    func run() throws -> Summary {
        let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 100_000
        let seeds = try Self.seeds()
        var random = SplitMix64(state: UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_130))
        var summary = Summary(iterations: iterations)
        let extractor = UsageExtractor()
        for _ in 0..<iterations {
            let input = Self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &random)], &random)
            do {
                let event = try extractor.extract(input)
                summary.accepted += 1
                let meters = event.meters
                let values = [meters.inputTokens, meters.cachedInputTokens, meters.cacheWriteInputTokens, meters.outputTokens, meters.reasoningTokens, meters.audioInputTokens,
                              meters.audioOutputTokens, meters.imageInputTokens, meters.imageOutputTokens, meters.images, meters.audioMilliseconds]
                if !values.allSatisfy({ $0 >= 0 && $0 <= 1_000_000_000_000 }) || meters.reasoningTokens > meters.outputTokens {
                    summary.insane += 1
                }
            } catch {
                summary.codes[error.code, default: 0] += 1
            }
        }
        return summary
    }
}
