import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PlainHTTPClient
import ServiceLifecycle
import Testing

/// The client against a real Hummingbird server on a loopback port, both on an event loop of their
/// own: the other suites' servers share the singleton loops, and their work there would stretch
/// these tests' timings.
@Suite("PlainHTTPClient: keep-alive, limits, timeouts, backpressure")
struct PlainHTTPClientTests {
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Requests being served at once, and the most seen.
    final class Gauge: Sendable {
        let state = NIOLockedValueBox((now: 0, most: 0))
        func enter() { state.withLockedValue { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { state.withLockedValue { $0.now -= 1 } }
        var most: Int { state.withLockedValue { $0.most } }
    }

    func serve(_ gauge: Gauge = Gauge(), _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/hello") { _, _ in "hello" }
        router.post("/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 24)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
        }
        router.get("/slow") { _, _ -> String in
            gauge.enter()
            defer { gauge.leave() }
            try await Task.sleep(for: .milliseconds(100))
            return "slow"
        }
        router.get("/half") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(500))
            return "half"
        }
        // Silent for 2 s: far past the timeouts below, so that a test thread the busy machine holds
        // back for a moment still sees the timeout fire before the answer.
        router.get("/silent") { _, _ -> String in
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        // Its head and first part, then the rest 300 ms later.
        router.get("/drip") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "first "))
                try await Task.sleep(for: .milliseconds(300))
                try await writer.write(ByteBuffer(string: "last"))
                try await writer.finish(nil)
            })
        }
        // 8 MiB in 64 KiB parts.
        router.get("/large") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                for index in 0..<128 { try await writer.write(ByteBuffer(repeating: UInt8(index), count: 65_536)) }
                try await writer.finish(nil)
            })
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "plain-http-test")
        logger.logLevel = .error
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  if let port = channel.localAddress?.port { continuation.yield(port) }
                                  continuation.finish()
                              }, eventLoopGroupProvider: .shared(Self.loops), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a GET, a POST echoed, and a chunked POST echoed: the bodies arrive whole both ways")
    func roundTrips() async throws {
        try await serve { port in
            let client = PlainHTTPClient(group: Self.loops)
            let hello = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello"))
            #expect(hello.status == .ok)
            #expect(String(buffer: try await hello.body.collect(upTo: 1024)) == "hello")
            let payload = ByteBuffer(repeating: 7, count: 300_000)
            let echo = try await client.execute(PlainHTTPRequest(method: .POST, url: "http://127.0.0.1:\(port)/echo", body: payload))
            #expect(try await echo.body.collect(upTo: 1 << 20) == payload)
            let chunked = try await client.execute(PlainHTTPRequest(method: .POST, url: "http://127.0.0.1:\(port)/echo", body: payload, chunked: true))
            #expect(try await chunked.body.collect(upTo: 1 << 20) == payload)
            await client.shutdown()
        }
    }

    @Test("an answer that ends in the reads of its head comes whole, its connection free at once; a slow or large one streams")
    func wholeOrStreamed() async throws {
        try await serve { port in
            let client = PlainHTTPClient(configuration: .init(maxConnectionsPerOrigin: 1), group: Self.loops)
            let hello = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello"))
            #expect(hello.body.complete.map { String(buffer: $0) } == "hello")
            // The body is in hand: the next request goes on the one connection though this body was never read.
            let next = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello"), timeout: .seconds(5))
            #expect(String(buffer: try await next.body.collect(upTo: 64)) == "hello")
            var parts: [String] = []
            for try await part in hello.body { parts.append(String(buffer: part)) }
            #expect(parts == ["hello"], "a whole body iterates as one part, once")
            // The head comes before the end: the caller has it while the rest is on its way.
            let drip = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/drip"))
            let headAt = ContinuousClock.now
            #expect(drip.body.complete == nil)
            #expect(String(buffer: try await drip.body.collect(upTo: 64)) == "first last")
            #expect(ContinuousClock.now - headAt > .milliseconds(150), "the rest came 300 ms after the head, not with it")
            let payload = ByteBuffer(repeating: 9, count: 100_000)
            let echo = try await client.execute(PlainHTTPRequest(method: .POST, url: "http://127.0.0.1:\(port)/echo", body: payload))
            #expect(echo.body.complete == nil, "past the 64 KiB kept whole, a body streams")
            #expect(try await echo.body.collect(upTo: 1 << 20) == payload)
            await client.shutdown()
        }
    }

    @Test("at the connection limit, requests wait their turn: 1 connection, 6 requests, never 2 served at once")
    func connectionLimit() async throws {
        let gauge = Gauge()
        try await serve(gauge) { port in
            let client = PlainHTTPClient(configuration: .init(maxConnectionsPerOrigin: 1), group: Self.loops)
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let answer = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/slow"))
                        return String(buffer: try await answer.body.collect(upTo: 1024))
                    }
                }
                for try await text in group { #expect(text == "slow") }
            }
            #expect(gauge.most == 1)
            await client.shutdown()
        }
    }

    @Test("a body read slowly arrives whole, and the connection serves the next request")
    func backpressure() async throws {
        try await serve { port in
            let client = PlainHTTPClient(configuration: .init(maxConnectionsPerOrigin: 1), group: Self.loops)
            let answer = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/large"))
            var total = 0, parts = 0
            for try await part in answer.body {
                total += part.readableBytes
                parts += 1
                if parts % 16 == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(total == 128 * 65_536)
            let next = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello"), timeout: .seconds(5))
            #expect(String(buffer: try await next.body.collect(upTo: 1024)) == "hello")
            await client.shutdown()
        }
    }

    @Test("the activity timeout ends a silent answer; the deadline ends a slow one; the limit ends a long one")
    func timeouts() async throws {
        try await serve { port in
            let idle = PlainHTTPClient(configuration: .init(activityTimeout: .milliseconds(100)), group: Self.loops)
            await #expect(throws: PlainHTTPError.timedOut) { _ = try await idle.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/silent")) }
            let client = PlainHTTPClient(group: Self.loops)
            await #expect(throws: PlainHTTPError.timedOut) {
                _ = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/silent"), timeout: .milliseconds(100))
            }
            let large = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/large"))
            await #expect(throws: PlainHTTPError.bodyTooLarge(limit: 100_000)) { _ = try await large.body.collect(upTo: 100_000) }
            // After those failures the client still serves requests.
            #expect(String(buffer: try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello")).body.collect(upTo: 64)) == "hello")
            await idle.shutdown()
            await client.shutdown()
        }
    }

    @Test("the activity timeout counts from the request, not from the pooled connection's last read")
    func activityFromTheRequest() async throws {
        try await serve { port in
            let client = PlainHTTPClient(configuration: .init(activityTimeout: .seconds(2), maxConnectionsPerOrigin: 1), group: Self.loops)
            _ = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/hello")).body.collect(upTo: 64)
            // Reused 1.9 s after its last read, for an answer that takes 500 ms: 2.4 s after that
            // read, but only 0.5 s of silence in this exchange (a busy machine has 1.5 s to spare).
            try await Task.sleep(for: .milliseconds(1900))
            let half = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:\(port)/half"))
            #expect(String(buffer: try await half.body.collect(upTo: 64)) == "half")
            await client.shutdown()
        }
    }

    @Test("refused connections and URLs that are not plain http:// are clear errors")
    func refusals() async throws {
        let client = PlainHTTPClient(configuration: .init(connectTimeout: .seconds(2)), group: Self.loops)
        // Port 1 on loopback: nothing listens there.
        do {
            _ = try await client.execute(PlainHTTPRequest(url: "http://127.0.0.1:1/"))
            Issue.record("a refused connection succeeded")
        } catch let PlainHTTPError.connect(reason) {
            #expect(reason.hasPrefix("127.0.0.1:1"))
        }
        for url in ["https://127.0.0.1/", "ftp://x/", "http://", "http://host:notaport/", "http://host:70000/", "http://user@host/"] {
            await #expect(throws: PlainHTTPError.invalidURL(url)) { _ = try await client.execute(PlainHTTPRequest(url: url)) }
        }
        await client.shutdown()
    }
}
