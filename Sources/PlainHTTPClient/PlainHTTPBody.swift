import NIOCore

/// An answer's body as the connection reads it, with backpressure: the connection reads on only
/// while the consumer keeps up. A consumer that stops before the end (or is cancelled) closes the
/// connection, so the server sees its client go away. An answer that arrived whole with its head
/// (in the same reads: a small JSON answer) is handed over whole instead (`complete`), with no
/// sequence to drive. Iterate it once: a streamed body cannot be read twice.
public struct PlainHTTPBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ExchangeHandler.Demand
    >

    enum Storage: Sendable {
        case streamed(Producer)
        case complete(ByteBuffer)
    }

    let storage: Storage

    init(sequence: Producer) {
        self.storage = .streamed(sequence)
    }

    init(complete: ByteBuffer) {
        self.storage = .complete(complete)
    }

    /// The whole body when it came with the head (its connection already free for the next
    /// request); nil when it streams.
    public var complete: ByteBuffer? {
        if case let .complete(buffer) = storage { return buffer }
        return nil
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator?
        var whole: ByteBuffer?

        public mutating func next() async throws -> ByteBuffer? {
            if let whole {
                self.whole = nil
                return whole
            }
            return try await base?.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch storage {
        case let .streamed(sequence): AsyncIterator(base: sequence.makeAsyncIterator())
        case let .complete(buffer): AsyncIterator(base: nil, whole: buffer.readableBytes > 0 ? buffer : nil)
        }
    }

    /// The whole body; throws `PlainHTTPError.bodyTooLarge` past `limit` bytes (closing a streamed body's connection).
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var part in self {
            guard collected.readableBytes + part.readableBytes <= limit else { throw PlainHTTPError.bodyTooLarge(limit: limit) }
            if collected.readableBytes == 0 { collected = part } else { collected.writeBuffer(&part) }
        }
        return collected
    }
}
