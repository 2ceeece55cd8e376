import ChargebackApp
import FunctionsProtocol
import Foundation
import Hummingbird
import Testing
import TestSupport

/// The owner lookup the gateway policy asks before it lets a subscription read or poll a stored
/// object: recorded from the create call's envelope, in the real Redis, read with the ingest key.
@Suite("owner: who created a response, batch or file")
struct OwnerFunctionTests {
    /// A `POST /openai/v1/responses` answered 200 with a fresh `resp_…` id, by `subscription`.
    func creation(id: String, subscription: String) -> EnvelopeBuilder {
        var builder = EnvelopeBuilder()
        builder.requestId = UUID().uuidString.lowercased()
        builder.subscriptionId = subscription
        builder.path = "/openai/v1/responses"
        builder.deployment = nil
        builder.requestBody = "{\"model\":\"gpt-4o\",\"input\":\"hello\"}"
        builder.responseBody = "{\"id\":\"\(id)\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-4o-2024-08-06\","
            + "\"output\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":4,\"total_tokens\":13}}"
        return builder
    }

    @Test("the creator is named after the create call; other ids are 404 owner_unknown; bad queries 400; report keys 403")
    func lookup() async throws {
        let id = "resp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let subscription = "sub-owner-" + UUID().uuidString.prefix(8).lowercased()
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders,
                                     body: ByteBuffer(bytes: creation(id: id, subscription: subscription).bytes)) { response in
                #expect(response.status == .ok)
            }
            // A second subscription replaying a create with the same id cannot take the object over.
            try await client.execute(uri: "/api/v1/ingest", method: .post, headers: TestKeys.ingestHeaders,
                                     body: ByteBuffer(bytes: creation(id: id, subscription: "sub-thief").bytes)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/owner?kind=response&id=\(id)", method: .get, headers: TestKeys.ingestHeaders) { response in
                #expect(response.status == .ok)
                let body = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(body["owner"] == .string(subscription))
                #expect(body["kind"] == .string("response"))
                #expect(response.headers[.cacheControl] == "private, no-store")
            }
            try await client.execute(uri: "/api/v1/owner?kind=batch&id=\(id)", method: .get, headers: TestKeys.ingestHeaders) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("owner_unknown"))
            }
            for query in ["kind=response", "kind=model&id=\(id)", "kind=response&id=\(id)&id=\(id)", "kind=response&id=..%2Fx%2F*"] {
                try await client.execute(uri: "/api/v1/owner?\(query)", method: .get, headers: TestKeys.ingestHeaders) { response in
                    #expect(response.status == .badRequest, "\(query)")
                }
            }
            try await client.execute(uri: "/api/v1/owner?kind=response&id=\(id)", method: .get, headers: TestKeys.reportHeaders) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/owner?kind=response&id=\(id)", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
