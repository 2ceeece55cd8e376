import ChargebackCore
import FoundationEssentials
import Glibc

/// Measures extraction throughput on large envelopes beside two references over the same bytes:
/// `JSONDecoder` (a DOM-style decode of the envelope and then of the response body) and a bare
/// `memchr` pass (the memory-bandwidth ceiling). Loopback-free, bounded: each figure runs ~1 s.
/// Keeps the optimizer from deleting the reference pass.
nonisolated(unsafe) var sink = 0

@main
struct ExtractionBench {
    static func main() throws {
        let seconds = Double(CommandLine.arguments.dropFirst().first ?? "") ?? 1.0
        var results: [String] = []
        for (name, envelope) in [("chat 1 MB", Workload.chatEnvelope(contentBytes: 1_000_000)),
                                 ("SSE 1 MB", Workload.streamEnvelope(contentBytes: 1_000_000)),
                                 ("chat 16 MB", Workload.chatEnvelope(contentBytes: 16_000_000))] {
            let extractor = UsageExtractor()
            let event = try extractor.extract(envelope)
            precondition(event.meters.outputTokens > 0, "the workload must extract")
            let extraction = measure(seconds, bytes: envelope.count) { _ = try? extractor.extract(envelope) }
            let decoder = measure(seconds, bytes: envelope.count) { _ = Workload.decodeWithJSONDecoder(envelope) }
            let scan = measure(seconds, bytes: envelope.count) {
                envelope.withUnsafeBytes { buffer in
                    if let base = buffer.baseAddress, memchr(base, 0x01, buffer.count) != nil { sink &+= 1 }
                }
            }
            let line = "\(name) envelope (\(envelope.count) bytes): extraction \(format(extraction)) MB/s, "
                + "JSONDecoder \(format(decoder)) MB/s, memchr \(format(scan)) MB/s, extraction/JSONDecoder \(format(extraction / decoder))x"
            print(line)
            results.append("{\"workload\":\"\(name)\",\"bytes\":\(envelope.count),\"extractionMBps\":\(format(extraction)),\"jsonDecoderMBps\":\(format(decoder)),\"memchrMBps\":\(format(scan))}")
        }
        print("JSON: [" + results.joined(separator: ",") + "]")
        if sink < 0 { print(sink) }
    }

    /// Runs `body` in ten windows of `seconds / 10` each; returns the median window's MB/s
    /// (10^6 bytes per second), which a noisy shared machine disturbs least.
    static func measure(_ seconds: Double, bytes: Int, _ body: () -> Void) -> Double {
        body()
        var rates: [Double] = []
        for _ in 0..<10 {
            var iterations = 0
            let start = now()
            var elapsed = 0.0
            repeat {
                body()
                iterations += 1
                elapsed = now() - start
            } while elapsed < seconds / 10
            rates.append(Double(bytes) * Double(iterations) / elapsed / 1_000_000)
        }
        return rates.sorted()[rates.count / 2]
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return String(rounded)
    }
}
