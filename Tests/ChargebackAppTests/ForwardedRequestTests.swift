import ChargebackApp
import FunctionsProtocol
import Hummingbird
import Testing
import TestSupport

@Suite("handler: forwarded requests and readiness")
struct ForwardedRequestTests {
    @Test("GET / answers at once without touching Redis")
    func readiness() async throws {
        let deadRedis = "redis://127.0.0.1:\(try TestEnvironment.unusedPort())"
        try await TestApp.make(redisURL: deadRedis).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("health: 200 and redis ok with a server")
    func healthUp() async throws {
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(report["redis"] == .string("ok"))
                #expect(report["version"]?.stringValue?.isEmpty == false)
            }
        }
    }

    @Test("health: 503 and redis down without one")
    func healthDown() async throws {
        let deadRedis = "redis://127.0.0.1:\(try TestEnvironment.unusedPort())"
        try await TestApp.make(redisURL: deadRedis).test(.router) { client in
            try await client.execute(uri: "/api/v1/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(report["redis"] == .string("down"))
                #expect(report["status"] == .string("degraded"))
            }
        }
    }

    @Test("the reports answer JSON on their forwarded routes with the shipped price book", arguments: [
        "/api/v1/usage/summary", "/api/v1/chargeback/report",
    ])
    func reports(path: String) async throws {
        try await TestApp.make().test(.router) { client in
            try await client.execute(uri: path, method: .get, headers: TestKeys.reportHeaders) { response in
                #expect(response.status == .ok)
                let report = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(report["currency"] == .string("USD"))
                #expect(report["illustrativePrices"] == .bool(true))
            }
        }
    }

    @Test("a body over the limit is 413 with a reason, in both modes", arguments: ["/api/v1/ingest", "/ingest"])
    func bodyLimit(path: String) async throws {
        try await TestApp.make(maxBodyBytes: 1024).test(.router) { client in
            try await client.execute(uri: path, method: .post, headers: TestKeys.ingestHeaders, body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)) { response in
                #expect(response.status == .contentTooLarge)
                let error = try JSONValue.parse(Array(response.body.readableBytesView))
                #expect(error["error"]?["code"] == .string("body_too_large"))
            }
        }
    }
}
