import CurlClient
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// `send-one-way-request` for the twin: posts envelopes to the ingest function in the background,
/// so the client's response never waits for it. Like APIM it does not retry; unlike APIM it counts
/// what happened, for `GET /twin/stats`.
public final class EnvelopePoster: Sendable {
    public struct Stats: Sendable, Codable, Equatable {
        public var posted = 0
        public var pending = 0
        public var failed = 0
        /// `ingest` answers by their `status` (`recorded`, `duplicate`, `spooled`) or HTTP status.
        public var answers: [String: Int] = [:]
    }

    let url: String
    let functionKey: String?
    let client: CurlHTTPClient
    private let stats = NIOLockedValueBox(Stats())

    public init(url: String, functionKey: String?, client: CurlHTTPClient) {
        self.url = url
        self.functionKey = functionKey
        self.client = client
    }

    public var current: Stats { stats.withLockedValue { $0 } }

    /// Sends `envelope` `deliveries` times (more than once only to demonstrate duplicate delivery).
    public func post(_ envelope: [UInt8], deliveries: Int = 1) {
        var headers = [(name: "Content-Type", value: "application/json")]
        if let functionKey { headers.append((name: "x-functions-key", value: functionKey)) }
        let request = CurlRequest(method: "POST", url: url, headers: headers, body: envelope, timeoutMilliseconds: 20_000)
        for _ in 0..<max(1, deliveries) {
            stats.withLockedValue { $0.pending += 1 }
            Task { [client, stats] in
                let answer: String
                do {
                    let response = try await client.perform(request)
                    answer = response.status == 200 ? Self.status(of: response.body) : "http \(response.status)"
                } catch {
                    answer = "unreachable"
                }
                stats.withLockedValue { stats in
                    stats.pending -= 1
                    stats.posted += 1
                    if answer.hasPrefix("http") || answer == "unreachable" { stats.failed += 1 }
                    stats.answers[answer, default: 0] += 1
                }
            }
        }
    }

    /// The `status` member of an ingest answer.
    static func status(of body: [UInt8]) -> String {
        struct Answer: Decodable { var status: String }
        return (try? JSONDecoder().decode(Answer.self, from: Data(body)))?.status ?? "unreadable"
    }
}
