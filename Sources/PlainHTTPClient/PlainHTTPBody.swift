import NIOCore

/// An answer's body as the connection reads it, with backpressure: the connection reads on only
/// while the consumer keeps up. A consumer that stops before the end (or is cancelled) closes the
/// connection, so the server sees its client go away.
public struct PlainHTTPBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ExchangeHandler.Demand
    >

    let sequence: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: sequence.makeAsyncIterator())
    }

    /// The whole body; throws `PlainHTTPError.bodyTooLarge` past `limit` bytes (and closes the connection).
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var part in self {
            guard collected.readableBytes + part.readableBytes <= limit else { throw PlainHTTPError.bodyTooLarge(limit: limit) }
            if collected.readableBytes == 0 { collected = part } else { collected.writeBuffer(&part) }
        }
        return collected
    }
}
