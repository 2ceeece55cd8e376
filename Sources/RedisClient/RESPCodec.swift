import CHiredis

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
    /// The RESP encoding of one command.
    static func command(_ arguments: [[UInt8]]) throws(RedisError) -> [UInt8] {
        let lengths = arguments.map(\.count)
        let copies = arguments.map { argument -> UnsafeMutablePointer<CChar> in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress { UnsafeMutableRawPointer(pointer).copyMemory(from: source, byteCount: argument.count) }
            }
            return pointer
        }
        defer { copies.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        var target: UnsafeMutablePointer<CChar>?
        let length = argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                redisFormatCommandArgv(&target, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        guard length >= 0, let target else { throw .connection("cannot format a command") }
        defer { redisFreeCommand(target) }
        return Array(UnsafeRawBufferPointer(start: target, count: Int(length)))
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
