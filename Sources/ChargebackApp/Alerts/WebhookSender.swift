import ChargebackCore
import Digest
import CurlClient
import FoundationEssentials

/// Delivers alert payloads to webhooks through libcurl (on its thread pool, never on an event loop
/// and never on the ingest path): a timeout per attempt, retries with exponential backoff on
/// transport errors, 408, 429 and 5xx, and for generic webhooks an HMAC-SHA256 signature.
public struct WebhookSender: Sendable {
    let client: CurlHTTPClient
    let attempts: Int
    let backoffMilliseconds: Int
    let timeoutMilliseconds: Int

    public init(client: CurlHTTPClient = CurlHTTPClient(), attempts: Int = 3, backoffMilliseconds: Int = 500, timeoutMilliseconds: Int = 10_000) {
        self.client = client
        self.attempts = max(1, attempts)
        self.backoffMilliseconds = backoffMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// What became of one delivery.
    public enum Outcome: Sendable, Equatable {
        case delivered(status: Int, attempts: Int)
        case failed(reason: String, attempts: Int)
    }

    /// The signature header of a generic webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
    /// A receiver recomputes it with the shared secret and refuses old timestamps (replays).
    public static func signature(body: [UInt8], secret: String, timestamp: Int64) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        return "t=\(timestamp),v1=" + SHA256Digest.hex(SHA256Digest.hmac(key: Array(secret.utf8), message: signed))
    }

    /// Sends `payload` to `url`; `secret` signs it (generic webhooks).
    public func send(_ payload: [UInt8], to url: String, secret: String?, onceKey: String, now: () -> Int64) async -> Outcome {
        var lastReason = ""
        for attempt in 1...attempts {
            var headers = [(name: "Content-Type", value: "application/json"), (name: "X-Chargeback-Alert-Key", value: onceKey)]
            if let secret {
                headers.append((name: "X-Chargeback-Signature", value: Self.signature(body: payload, secret: secret, timestamp: now())))
            }
            do {
                let response = try await client.perform(CurlRequest(method: "POST", url: url, headers: headers, body: payload,
                                                                     timeoutMilliseconds: timeoutMilliseconds))
                if (200..<300).contains(response.status) { return .delivered(status: response.status, attempts: attempt) }
                lastReason = "HTTP \(response.status)"
                guard response.status == 408 || response.status == 429 || response.status >= 500 else {
                    return .failed(reason: lastReason, attempts: attempt)
                }
            } catch {
                lastReason = "\(error)"
            }
            if attempt < attempts {
                try? await Task.sleep(for: .milliseconds(backoffMilliseconds << (attempt - 1)))
            }
        }
        return .failed(reason: lastReason, attempts: attempts)
    }
}
