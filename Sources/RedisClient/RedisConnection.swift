import CHiredis
import NIOConcurrencyHelpers
import NIOPosix

/// One hiredis connection (plain TCP). hiredis 0.14 blocks, so every call runs on a `NIOThreadPool`
/// thread, and a lock keeps the context to one caller at a time. Reconnects lazily after an error.
public final class RedisConnection: @unchecked Sendable {
    /// Where to connect.
    public let endpoint: RedisEndpoint
    private let timeoutMilliseconds: Int
    private let threadPool: NIOThreadPool
    private let lock = NIOLock()
    /// Guarded by `lock`; owned here and freed in `deinit` or on error.
    private var context: UnsafeMutablePointer<redisContext>?

    /// A connection to `endpoint`; connect and command timeouts are `timeoutMilliseconds`.
    public init(endpoint: RedisEndpoint, timeoutMilliseconds: Int = 1000, threadPool: NIOThreadPool = .singleton) {
        self.endpoint = endpoint
        self.timeoutMilliseconds = timeoutMilliseconds
        self.threadPool = threadPool
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Sends one command (`["PING"]`) and returns the reply; an error reply is thrown as `RedisError.server`.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        let encoded = arguments.map { Array($0.utf8) }
        return try await threadPool.runIfActive { try self.sendBlocking(encoded) }
    }

    /// True when the server answers `PING` with `PONG`.
    public func ping() async -> Bool {
        (try? await send(["PING"]))?.text == "PONG"
    }

    private func sendBlocking(_ arguments: [[UInt8]]) throws -> RedisReply {
        try lock.withLock {
            let context = try connectedContext()
            do {
                let reply = try Self.command(context, arguments)
                if case let .error(message) = reply { throw RedisError.server(message) }
                return reply
            } catch let error as RedisError {
                if case .connection = error { dropContext() }
                throw error
            }
        }
    }

    /// Must hold `lock`.
    private func connectedContext() throws -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        guard !endpoint.usesTLS else {
            throw RedisError.unsupportedTransport("TLS (rediss://, ssl=True) needs the NIO transport; hiredis 0.14 has no TLS")
        }
        let timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        guard let created = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), timeout) else {
            throw RedisError.connection("cannot allocate a hiredis context")
        }
        if created.pointee.err != 0 {
            let reason = String(cString: chiredis_context_errstr(created))
            redisFree(created)
            throw RedisError.connection(reason)
        }
        redisSetTimeout(created, timeout)
        context = created
        do {
            if let password = endpoint.password {
                let auth = [Array("AUTH".utf8)] + (endpoint.user.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)]
                if case let .error(message) = try Self.command(created, auth) { throw RedisError.server(message) }
            }
            if endpoint.database != 0, case let .error(message) = try Self.command(created, [Array("SELECT".utf8), Array(String(endpoint.database).utf8)]) {
                throw RedisError.server(message)
            }
        } catch {
            dropContext()
            throw error
        }
        return created
    }

    /// Must hold `lock`.
    private func dropContext() {
        if let context { redisFree(context) }
        context = nil
    }

    /// The checking funnel: runs one command and turns a NULL reply into an error read from `errstr` at once.
    private static func command(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [[UInt8]]) throws -> RedisReply {
        let lengths = arguments.map(\.count)
        let copies = arguments.map { argument -> UnsafeMutablePointer<CChar> in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(pointer).copyMemory(from: bytes.baseAddress ?? UnsafeRawPointer(pointer), byteCount: argument.count)
            }
            return pointer
        }
        defer { copies.forEach { $0.deallocate() } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let raw = argv.withUnsafeMutableBufferPointer { argvBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                redisCommandArgv(context, Int32(arguments.count), argvBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        guard let raw else {
            throw RedisError.connection(String(cString: chiredis_context_errstr(context)))
        }
        defer { freeReplyObject(raw) }
        return copyReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Copies a hiredis reply tree into an owned value.
    static func copyReply(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
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
            return .array((0..<Int(value.elements)).compactMap { index in elements[index].map(copyReply) })
        default: return .null
        }
    }
}
