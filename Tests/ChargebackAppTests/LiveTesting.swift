import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PlainHTTPClient
import ServiceLifecycle

/// The app tests' way to run an application: on a free loopback port, served for real, with a
/// client of `PlainHTTPClient` talking to it over TCP (HummingbirdTesting's `.live` mode, without
/// its AsyncHTTPClient and BoringSSL in the build). `.router` names the same: every app test goes
/// through real HTTP.
enum TestingSetup {
    case router, live
}

struct TestResponse: Sendable {
    let head: HTTPResponse
    let body: ByteBuffer
    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}

protocol TestClientProtocol: Sendable {
    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse
    var port: Int? { get }
}

extension TestClientProtocol {
    @discardableResult
    func execute<Return>(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                         testCallback: @escaping (TestResponse) async throws -> Return = { $0 }) async throws -> Return {
        try await testCallback(try await executeRequest(uri: uri, method: method, headers: headers, body: body))
    }
}

struct LiveTestClient: TestClientProtocol {
    let client: PlainHTTPClient
    let port: Int?

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var request = PlainHTTPRequest(method: HTTPMethod(rawValue: method.rawValue), url: "http://127.0.0.1:\(port ?? 0)\(uri)", body: body)
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        let response = try await client.execute(request, timeout: .seconds(120))
        let collected = try await response.body.collect(upTo: 1 << 30)
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        return TestResponse(head: HTTPResponse(status: status, headerFields: fields), body: collected)
    }
}

/// The application on `127.0.0.1:0`, reporting the port it got.
struct PortReportingApplication<Base: ApplicationProtocol>: ApplicationProtocol, Service {
    typealias Responder = Base.Responder
    let base: Base
    let port: AsyncStream<Int>.Continuation

    var responder: Responder { get async throws { try await base.responder } }
    var server: HTTPServerBuilder { base.server }
    var eventLoopGroup: any EventLoopGroup { base.eventLoopGroup }
    var configuration: ApplicationConfiguration { base.configuration.with(address: .hostname("127.0.0.1", port: 0)) }
    var logger: Logger { base.logger }
    var services: [any Service] { base.services }
    var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { base.processesRunBeforeServerStart }

    @Sendable func onServerRunning(_ channel: any Channel) async {
        await base.onServerRunning(channel)
        if let bound = channel.localAddress?.port { port.yield(bound) }
        port.finish()
    }
}

struct ServerDidNotStart: Error, CustomStringConvertible {
    var description: String { "the application stopped before it listened" }
}

extension ApplicationProtocol {
    /// Runs the application, calls `test` with a client of it, then shuts the application down.
    func test<Value: Sendable>(_ setup: TestingSetup, _ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = PortReportingApplication(base: self, port: continuation)
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Value?.self) { tasks in
            tasks.addTask {
                // However the run ends (a failure before listening included), the wait for the port ends.
                defer { continuation.finish() }
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                // The run ended (or failed) before the server listened: its error, if any, is the reason.
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                throw ServerDidNotStart()
            }
            let client = PlainHTTPClient()
            do {
                let value = try await test(LiveTestClient(client: client, port: port))
                await client.shutdown()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await client.shutdown()
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
