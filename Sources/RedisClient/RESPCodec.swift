import CHiredis
import NIOCore

/// hiredis's protocol layer: `redisFormatCommandArgv` to encode commands and a `redisReader` to
/// parse replies. Pure parsing, no I/O, so it is safe on an event loop. Replies are copied into
/// owned `RedisReply` values and the C objects freed at once.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() throws(RedisError) {
        guard let reader = redisReaderCreate() else { throw .connection("cannot allocate a hiredis reader") }
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Hands received bytes to the reader.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK else {
            throw .connection("protocol error: \(String(cString: chiredis_reader_errstr(reader)))")
        }
    }

    /// The next complete reply, or nil until more bytes arrive.
    func next() throws(RedisError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            throw .connection("protocol error: \(String(cString: chiredis_reader_errstr(reader)))")
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReply.copy(raw.assumingMemoryBound(to: redisReply.self))
    }
}

enum RESPFormat {
    /// The RESP encoding of one command, by hiredis's `redisFormatCommandArgv`. The arguments are
    /// laid end to end in one block whose pieces hiredis is pointed at (one allocation, not one per
    /// argument: this runs for every ledger write), and its output is copied once, into the buffer
    /// the channel writes.
    static func command(_ arguments: [[UInt8]]) throws(RedisError) -> ByteBuffer {
        var block: [UInt8] = []
        block.reserveCapacity(arguments.reduce(0) { $0 + $1.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            block.append(contentsOf: argument)
            lengths.append(argument.count)
        }
        var target: UnsafeMutablePointer<CChar>?
        let length = block.withUnsafeBufferPointer { bytes in
            let base = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            var argv: [UnsafePointer<CChar>?] = []
            argv.reserveCapacity(lengths.count)
            var offset = 0
            for count in lengths {
                argv.append(base.map { $0 + offset })
                offset += count
            }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    redisFormatCommandArgv(&target, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
                }
            }
        }
        guard length >= 0, let target else { throw .connection("cannot format a command") }
        defer { redisFreeCommand(target) }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(start: target, count: Int(length)))
    }
}

extension RedisReply {
    /// Copies a hiredis reply tree into an owned value.
    static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = value.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: Int(value.len)))
        }
        switch value.type {
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(value.integer)
        case REDIS_REPLY_STRING: return .bulk(bytes())
        case REDIS_REPLY_ARRAY:
            guard let elements = value.element else { return .array([]) }
            return .array((0..<Int(value.elements)).compactMap { index in elements[index].map(copy) })
        default: return .null
        }
    }
}
