import ChargebackCore
import Foundation
import SyntheticOpenAI

/// A payload-contract-v1 envelope around one synthetic exchange, as the APIM policy would post it.
struct Envelope: Encodable {
    var schemaVersion = 1
    var source = "outbound"
    var requestId: String
    var timestamp = "2026-11-29T10:00:00Z"
    var subscriptionId = "sub-team-a"
    var path: String
    var deployment: String
    var statusCode: Int
    var isStream: Bool
    var responseContentType: String
    var requestBody: String
    var requestBodyLength: Int
    var responseBody: String
    var responseBodyLength: Int

    /// The envelope of `body` sent to `path` (deployment `deployment`) and the synthetic answer.
    init(path: String, deployment: String, body: String, response: SyntheticResponse) {
        let responseText = String(decoding: response.body.bytes, as: UTF8.self)
        self.requestId = response.header("apim-request-id") ?? "missing"
        self.path = path
        self.deployment = deployment
        self.statusCode = response.status
        if case .events = response.body { isStream = true } else { isStream = false }
        self.responseContentType = response.header("Content-Type") ?? ""
        self.requestBody = body
        self.requestBodyLength = body.utf8.count
        self.responseBody = responseText
        self.responseBodyLength = responseText.utf8.count
    }

    /// What the chargeback extractor makes of it.
    func extract() throws -> UsageEvent {
        try UsageExtractor().extract(Array(try JSONEncoder().encode(self)))
    }

    /// Posts `body` to the synthetic upstream and extracts the exchange.
    static func exchange(_ path: String, deployment: String, _ body: String) throws -> (response: SyntheticResponse, event: UsageEvent) {
        let response = Upstream.post(path, body)
        return (response, try Envelope(path: path, deployment: deployment, body: body, response: response).extract())
    }
}
