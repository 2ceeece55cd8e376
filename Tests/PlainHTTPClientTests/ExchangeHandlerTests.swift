import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import PlainHTTPClient
import Testing

/// When `ExchangeHandler` hands an answer over, decided by read batches: on an `EmbeddedChannel` the
/// parts of one batch are fired one by one and then the batch's end (`channelReadComplete`), as a
/// socket read delivers them, so each case takes exactly the path it names.
@Suite("ExchangeHandler: whole or streamed, by read batch")
struct ExchangeHandlerTests {
    /// A connected channel with an exchange started on it.
    struct Exchange {
        let channel: EmbeddedChannel
        let answer = NIOLockedValueBox<Result<PlainHTTPResponse, any Error>?>(nil)
        let reused = NIOLockedValueBox(0)

        init() throws {
            channel = EmbeddedChannel()
            let handler = ExchangeHandler(activityTimeout: nil)
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            let promise = channel.eventLoop.makePromise(of: PlainHTTPResponse.self)
            promise.futureResult.whenComplete { [answer] result in answer.withLockedValue { $0 = result } }
            handler.start(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"), body: nil, timeout: nil, promise: promise) { [reused] in
                reused.withLockedValue { $0 += 1 }
            }
        }

        func read(_ parts: HTTPClientResponsePart...) {
            for part in parts { channel.pipeline.fireChannelRead(NIOAny(part)) }
        }

        func readComplete() { channel.pipeline.fireChannelReadComplete() }

        var response: PlainHTTPResponse? { answer.withLockedValue { try? $0?.get() } }
        var isAnswered: Bool { answer.withLockedValue { $0 != nil } }
    }

    static let head = HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "5"]))

    @Test("head, body and end in one batch: handed over whole at the end, the connection reusable at once")
    func whole() throws {
        let exchange = try Exchange()
        exchange.read(Self.head)
        #expect(!exchange.isAnswered, "not at the head: the batch may hold the whole answer")
        exchange.read(.body(ByteBuffer(string: "he")), .body(ByteBuffer(string: "llo")), .end(nil))
        #expect(exchange.response?.body.complete.map { String(buffer: $0) } == "hello")
        #expect(exchange.reused.withLockedValue { $0 } == 1)
        exchange.readComplete()
        #expect(exchange.response?.status == .ok)
    }

    @Test("a head whose answer has not ended in its batch: handed over at the batch's end, to stream")
    func streamedAtBatchEnd() throws {
        let exchange = try Exchange()
        exchange.read(Self.head, .body(ByteBuffer(string: "he")))
        #expect(!exchange.isAnswered)
        exchange.readComplete()
        let response = try #require(exchange.response)
        #expect(response.body.complete == nil)
        exchange.read(.body(ByteBuffer(string: "llo")), .end(nil))
        #expect(exchange.reused.withLockedValue { $0 } == 1)
    }

    @Test("past 64 KiB in one batch: handed over at once, to stream, before the batch ends")
    func streamedPastTheLimit() throws {
        let exchange = try Exchange()
        let part = ByteBuffer(repeating: 1, count: ExchangeHandler.wholeLimit / 2 + 1)
        exchange.read(Self.head, .body(part))
        #expect(!exchange.isAnswered)
        exchange.read(.body(part))
        let response = try #require(exchange.response)
        #expect(response.body.complete == nil)
    }

    @Test("a read error before the batch ends fails the exchange; nothing is handed over as an answer")
    func errorWhileHeld() throws {
        let exchange = try Exchange()
        exchange.read(Self.head, .body(ByteBuffer(string: "he")))
        exchange.channel.pipeline.fireErrorCaught(PlainHTTPError.connectionClosed)
        #expect(exchange.isAnswered && exchange.response == nil)
        #expect(exchange.reused.withLockedValue { $0 } == 0)
    }
}
