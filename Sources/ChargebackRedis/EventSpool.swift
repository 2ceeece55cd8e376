import ChargebackCore
import FoundationEssentials
import Glibc
import NIOConcurrencyHelpers
import NIOPosix

/// A durable, append-only file of usage events (JSON lines: identifiers and numbers, never a body)
/// for when Redis cannot take them. Each append is written and `fsync`ed before it returns; the
/// file is bounded. Replay takes the whole file aside (`spool.replaying.jsonl`) so appends continue.
public final class EventSpool: Sendable {
    let directory: String
    let maxBytes: Int
    let threadPool: NIOThreadPool
    private let lock = NIOLock()

    var activePath: String { directory + "/spool.jsonl" }
    var replayPath: String { directory + "/spool.replaying.jsonl" }

    public init(directory: String, maxBytes: Int, threadPool: NIOThreadPool = .singleton) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.threadPool = threadPool
    }

    /// Appends one event durably, or throws `spool_full` / `spool_unavailable`.
    public func append(_ event: UsageEvent) async throws {
        let encoder = JSONEncoder()
        var line = Array(try encoder.encode(event))
        line.append(0x0A)
        try await threadPool.runIfActive { [self, line] in try lock.withLock { try appendBlocking(line) } }
    }

    /// Appends `line` whole or not at all: a write or fsync that fails (a full disk) is cut back to
    /// the size before it, so a later append never lands on a fragment; and a fragment left by a
    /// crash mid-write is ended with a newline first, so it stays one unreadable line of its own.
    func appendBlocking(_ line: [UInt8]) throws {
        makeDirectories()
        let descriptor = open(activePath, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw unavailable("cannot open the spool file") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unavailable("cannot stat the spool file") }
        let size = status.st_size
        var last: UInt8 = 0x0A
        if size > 0 && pread(descriptor, &last, 1, size - 1) != 1 { throw unavailable("cannot read the spool file") }
        let record = last == 0x0A ? line : [0x0A] + line
        // The bound covers the file a replay has taken aside too (it stays while Redis is down).
        var aside = stat()
        let asideBytes = stat(replayPath, &aside) == 0 ? Int(aside.st_size) : 0
        guard asideBytes + Int(size) + record.count <= maxBytes else {
            throw LedgerFailure(code: "spool_full", message: "Redis is unavailable and the spool is full (\(maxBytes) bytes, CHARGEBACK_SPOOL_MAX_BYTES); the usage was not counted")
        }
        var written = 0
        while written < record.count {
            let count = record[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw cutBack(descriptor, to: size, unavailable("cannot write the spool file")) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw cutBack(descriptor, to: size, unavailable("cannot fsync the spool file")) }
    }

    /// Truncates the file to `size` (undoing a partial append) and returns `failure` to throw.
    func cutBack(_ descriptor: CInt, to size: off_t, _ failure: LedgerFailure) -> LedgerFailure {
        if ftruncate(descriptor, size) == 0 { _ = fsync(descriptor) }
        return failure
    }

    /// Creates the spool folder and its missing parents (`mkdir -p`), owner-only.
    func makeDirectories() {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            path += "/" + component
            mkdir(path, 0o700)
        }
    }

    func unavailable(_ what: String) -> LedgerFailure {
        LedgerFailure(code: "spool_unavailable", message: "Redis is unavailable and \(what) (errno \(errno)); the usage was not counted")
    }

    /// The events to replay: a replay file left by an interrupted replay, else the active file moved
    /// aside. Lines that do not decode (a write torn by a crash) are counted in `skipped`.
    public func takeForReplay() async throws -> (events: [UsageEvent], skipped: Int)? {
        try await threadPool.runIfActive { [self] () throws -> (events: [UsageEvent], skipped: Int)? in
            try lock.withLock {
                if access(replayPath, F_OK) != 0 {
                    var status = stat()
                    guard stat(activePath, &status) == 0, status.st_size > 0 else { return nil }
                    guard rename(activePath, replayPath) == 0 else { throw unavailable("cannot move the spool aside") }
                }
                guard let data = FileManager.default.contents(atPath: replayPath) else { return nil }
                let decoder = JSONDecoder()
                var events: [UsageEvent] = []
                var skipped = 0
                for line in data.split(separator: 0x0A) where !line.isEmpty {
                    if let event = try? decoder.decode(UsageEvent.self, from: Data(line)) { events.append(event) } else { skipped += 1 }
                }
                return (events, skipped)
            }
        }
    }

    /// Removes the replay file once every event in it is in Redis.
    public func finishReplay() async throws {
        try await threadPool.runIfActive { [self] in
            lock.withLock { _ = unlink(replayPath) }
        }
    }
}
