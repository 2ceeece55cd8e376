import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PlainHTTPClient

/// The load generator of `scripts/bench`: posts a mix of envelope templates, each with a distinct
/// request id, either from a fixed number of clients (closed loop) or at a fixed arrival rate
/// (open loop: latency is measured from when a request was due, not when it could be sent, so a
/// stalled server is not hidden). Latency percentiles are of 2xx answers. Prints one JSON object.
@main
struct IngestLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest-load", abstract: "Fixed-concurrency or fixed-rate POST load with distinct request ids.")

    @Option(help: "Target URL.") var url: String = ""
    @Option(help: "Templates and weights: FILE=WEIGHT,… (each file holds REQUEST_ID_PLACEHOLDER_0000 once).") var mix: String = ""
    @Flag(help: "Send the deliveries read on stdin and write each answer on stdout (the reliability suite's sender; see Feed.swift).")
    var feed = false
    @Option(help: "With --feed: a header sent with every post, NAME:VALUE (repeatable).") var header: [String] = []
    @Option(help: "Arrivals per second (open loop); 0 = closed loop with --concurrency clients.") var rate = 0
    @Option(help: "Concurrent clients (closed loop) or connections (open loop).") var concurrency = 32
    @Option(help: "Measured seconds.") var seconds = 10.0
    @Option(help: "Unmeasured warm-up seconds first.") var warmup = 1.0
    @Option(help: "Sent as x-functions-key.") var key: String?
    @Option(help: "Prefix of the request ids (distinct per run).") var idPrefix = "bench"

    static let placeholder = Array("REQUEST_ID_PLACEHOLDER_0000".utf8)

    func run() async throws {
        if feed {
            // Copies of one item race each other: room for several connections per item and host.
            let client = PlainHTTPClient(configuration: .init(
                connectTimeout: .seconds(5), activityTimeout: .seconds(30), maxConnectionsPerOrigin: max(concurrency, 1) * 4,
                maxIdlePerOrigin: max(concurrency, 1) * 4))
            let headers = try header.map { line -> (String, String) in
                guard let colon = line.firstIndex(of: ":") else { throw ValidationError("--header '\(line)' is not NAME:VALUE") }
                return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            }
            await Feed(client: client, headers: headers, concurrency: concurrency).run()
            await client.shutdown()
            return
        }
        guard !url.isEmpty, !mix.isEmpty else { throw ValidationError("--url and --mix are needed (or --feed)") }
        let templates = try loadTemplates()
        let client = PlainHTTPClient(configuration: .init(
            connectTimeout: .seconds(5), activityTimeout: .seconds(60), maxConnectionsPerOrigin: max(concurrency, 1),
            maxIdlePerOrigin: max(concurrency, 1)))
        let runner = Runner(url: url, key: key, templates: templates, client: client, idPrefix: idPrefix)
        let warm = warmup > 0 ? await runner.closedLoop(concurrency: concurrency, seconds: warmup) : Runner.Result()
        var result = rate > 0 ? await runner.openLoop(rate: rate, seconds: seconds) : await runner.closedLoop(concurrency: concurrency, seconds: seconds)
        result.warmupOk = warm.ok
        await client.shutdown()
        print(result.json(mode: rate > 0 ? "rate" : "concurrency", rate: rate, concurrency: concurrency))
    }

    /// (template bytes, offset of the placeholder) repeated by weight into a 100-slot wheel.
    func loadTemplates() throws -> [(bytes: [UInt8], offset: Int)] {
        var wheel: [(bytes: [UInt8], offset: Int)] = []
        for item in mix.split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let weight = Int(parts[1]), weight > 0 else { throw ValidationError("--mix item '\(item)' is not FILE=WEIGHT") }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: String(parts[0]))))
            guard let offset = Self.find(Self.placeholder, in: bytes) else { throw ValidationError("\(parts[0]) has no REQUEST_ID_PLACEHOLDER_0000") }
            for _ in 0..<weight { wheel.append((bytes, offset)) }
        }
        guard !wheel.isEmpty else { throw ValidationError("--mix is empty") }
        return wheel
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

/// Sends requests and collects latencies.
struct Runner: Sendable {
    let url: String
    let key: String?
    let templates: [(bytes: [UInt8], offset: Int)]
    let client: PlainHTTPClient
    let idPrefix: String
    let counter = NIOLockedValueBox(0)

    struct Result {
        var latenciesMicroseconds: [Int] = []
        var ok = 0
        var failed = 0
        var seconds = 0.0
        var backlogged = 0
        /// 2xx answers during the warm-up (not in the figures, but counted by the server).
        var warmupOk = 0

        func json(mode: String, rate: Int, concurrency: Int) -> String {
            let sorted = latenciesMicroseconds.sorted()
            func percentile(_ p: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                return Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]) / 1000
            }
            let throughput = Double(ok) / max(seconds, 0.001)
            return "{\"mode\":\"\(mode)\",\"rate\":\(rate),\"concurrency\":\(concurrency),\"seconds\":\(String(format: "%.2f", seconds)),"
                + "\"ok\":\(ok),\"warmupOk\":\(warmupOk),\"failed\":\(failed),\"backlogged\":\(backlogged),\"perSecond\":\(String(format: "%.0f", throughput)),"
                + "\"p50ms\":\(String(format: "%.3f", percentile(0.5))),\"p90ms\":\(String(format: "%.3f", percentile(0.9))),"
                + "\"p99ms\":\(String(format: "%.3f", percentile(0.99))),\"p999ms\":\(String(format: "%.3f", percentile(0.999))),"
                + "\"maxms\":\(String(format: "%.3f", percentile(1.0)))}"
        }
    }

    /// One request with the next id; true on 2xx.
    func send() async -> Bool {
        let number = counter.withLockedValue { value -> Int in defer { value += 1 }; return value }
        let template = templates[number % templates.count]
        var body = template.bytes
        let id = Array("\(idPrefix)-\(number)".utf8.suffix(IngestLoad.placeholder.count))
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: IngestLoad.placeholder.count - id.count) + id
        body.replaceSubrange(template.offset..<(template.offset + padded.count), with: padded)
        var request = PlainHTTPRequest(method: .POST, url: url)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "x-functions-key", value: key) }
        request.body = ByteBuffer(bytes: body)
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1 << 20)
            return (200..<300).contains(Int(response.status.code))
        } catch {
            return false
        }
    }

    func closedLoop(concurrency: Int, seconds: Double) async -> Result {
        let results = NIOLockedValueBox(Result())
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    while clock.now < end {
                        let began = clock.now
                        let ok = await send()
                        let micros = Self.microseconds(clock.now - began)
                        results.withLockedValue { $0.record(micros, ok: ok) }
                    }
                }
            }
        }
        var result = results.withLockedValue { $0 }
        result.seconds = Self.seconds(clock.now - start)
        return result
    }

    /// Arrivals every 1/rate s; due requests are dispatched each millisecond.
    func openLoop(rate: Int, seconds: Double) async -> Result {
        let results = NIOLockedValueBox(Result())
        let inFlight = NIOLockedValueBox(0)
        let clock = ContinuousClock()
        let start = clock.now
        let total = Int(Double(rate) * seconds)
        let interval = Duration.nanoseconds(Int64(1_000_000_000 / Double(rate)))
        // Discarding: finished requests are freed at once, not kept until the group ends.
        await withDiscardingTaskGroup { group in
            var next = 0
            while next < total {
                let now = clock.now
                while next < total, start + interval * next <= now {
                    let due = start + interval * next
                    next += 1
                    // A server that stops answering must not grow the backlog without bound.
                    guard inFlight.withLockedValue({ value -> Bool in value += 1; return value <= 20_000 }) else {
                        inFlight.withLockedValue { $0 -= 1 }
                        results.withLockedValue { $0.backlogged += 1 }
                        continue
                    }
                    group.addTask {
                        let ok = await send()
                        let micros = Self.microseconds(clock.now - due)
                        inFlight.withLockedValue { $0 -= 1 }
                        results.withLockedValue { $0.record(micros, ok: ok) }
                    }
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        var result = results.withLockedValue { $0 }
        result.seconds = Self.seconds(clock.now - start)
        return result
    }

    static func microseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1_000_000 + Int(duration.components.attoseconds / 1_000_000_000_000)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension Runner.Result {
    /// The percentiles are of answered (2xx) requests: a quick refusal (a host's 429 when it sheds)
    /// must not make the latency of the calls that were served look better.
    mutating func record(_ micros: Int, ok: Bool) {
        if ok {
            self.ok += 1
            latenciesMicroseconds.append(micros)
        } else {
            failed += 1
        }
    }
}
