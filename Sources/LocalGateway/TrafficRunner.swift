import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PlainHTTPClient

/// What the client side saw of a replayed day: its own ledger, compared with Redis afterwards.
public struct TrafficSummary: Sendable, Codable {
    public var requests = 0
    public var seconds = 0.0
    /// HTTP status → count (0 = no answer).
    public var statuses: [String: Int] = [:]
    public var streamed = 0
    public var duplicateDeliveries = 0
    public var kinds: [String: Int] = [:]
    /// Subscription id → requests it sent.
    public var subscriptions: [String: Int] = [:]
}

/// Sends a planned day to the gateway with a fixed number of concurrent clients.
public enum TrafficRunner {
    public static func run(_ calls: [PlannedCall], gateway: String, concurrency: Int, showProgress: Bool) async throws -> TrafficSummary {
        let client = PlainHTTPClient(configuration: .init(connectTimeout: .seconds(5), activityTimeout: .seconds(240)))
        let next = NIOLockedValueBox(0)
        let tally = NIOLockedValueBox(TrafficSummary())
        let started = ContinuousClock.now
        let base = gateway.hasSuffix("/") ? String(gateway.dropLast()) : gateway
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if showProgress {
                    group.addTask { await progress(total: calls.count, done: { tally.withLockedValue { $0.statuses.values.reduce(0, +) } }, started: started) }
                }
                for _ in 0..<max(1, concurrency) {
                    group.addTask {
                        while true {
                            let index = next.withLockedValue { value -> Int in defer { value += 1 }; return value }
                            guard index < calls.count else { return }
                            let call = calls[index]
                            let status = await send(call, base: base, client: client)
                            tally.withLockedValue { summary in
                                summary.statuses[String(status), default: 0] += 1
                                summary.kinds[call.kind, default: 0] += 1
                                summary.subscriptions[call.subscription.id, default: 0] += 1
                                if call.isStream { summary.streamed += 1 }
                                if call.deliveries > 1 { summary.duplicateDeliveries += 1 }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        var summary = tally.withLockedValue { $0 }
        summary.requests = calls.count
        let elapsed = ContinuousClock.now - started
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }

    /// One request; the status the client got (0 when the gateway did not answer).
    static func send(_ call: PlannedCall, base: String, client: PlainHTTPClient) async -> Int {
        var request = PlainHTTPRequest(method: HTTPMethod(rawValue: call.method), url: base + call.target)
        request.headers.add(name: "api-key", value: call.subscription.key)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-twin-timestamp", value: call.timestamp)
        if call.deliveries > 1 { request.headers.add(name: "x-twin-deliveries", value: String(call.deliveries)) }
        if call.method != "GET" { request.body = ByteBuffer(bytes: call.body) }
        do {
            let response = try await client.execute(request, timeout: .seconds(240))
            _ = try await response.body.collect(upTo: 256 * 1024 * 1024)
            return Int(response.status.code)
        } catch {
            return 0
        }
    }

    /// A progress bar on stderr, redrawn four times a second until every request is answered (on a
    /// terminal; otherwise one line per tenth, for logs).
    static func progress(total: Int, done: @Sendable () -> Int, started: ContinuousClock.Instant) async {
        let terminal = isatty(STDERR_FILENO) == 1
        var lastTenth = -1
        while !Task.isCancelled {
            let count = done()
            let elapsed = ContinuousClock.now - started
            let seconds = max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            let width = 40
            let filled = total == 0 ? width : count * width / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = "  [\(bar)] \(count)/\(total) requests, \(Int(Double(count) / seconds)) req/s  "
            if terminal {
                FileHandle.standardError.write(Data(("\r" + line).utf8))
            } else if total > 0, count * 10 / total > lastTenth {
                lastTenth = count * 10 / total
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            if count >= total {
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                return
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}
