import ChargebackCore
import FoundationEssentials
import Glibc
import NIOConcurrencyHelpers
import NIOPosix

/// A durable, append-only file of usage events (JSON lines: identifiers and numbers, never a body)
/// for when Redis cannot take them. Each append is written and `fsync`ed before it returns; the
/// file is bounded. Replay takes the whole file aside (`spool.replaying.jsonl`) so appends continue.
///
/// Safe when several processes share the folder (a handler and `chargeback replay`, or two
/// instances pointed at one share): every append, take-aside and removal holds an exclusive
/// `flock` on `spool.lock`. Files are opened with `O_NOFOLLOW` (a symlink planted in the folder is
/// refused, never written through), and the folder is `fsync`ed after a file is created, renamed or
/// removed, so the name survives a power cut with the data. A line that can never be replayed (torn
/// by a crash, or refused for good by the ledger) goes to `spool.quarantine.jsonl` instead of
/// blocking the file behind it.
public final class EventSpool: Sendable {
    let directory: String
    let maxBytes: Int
    let threadPool: NIOThreadPool
    private let lock = NIOLock()

    var activePath: String { directory + "/spool.jsonl" }
    var replayPath: String { directory + "/spool.replaying.jsonl" }
    var quarantinePath: String { directory + "/spool.quarantine.jsonl" }
    var lockPath: String { directory + "/spool.lock" }

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
        try await threadPool.runIfActive { [self, line] in try locked { try appendBlocking(line) } }
    }

    /// Runs `body` holding this process's lock and the folder's `flock` (other processes).
    func locked<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock {
            makeDirectories()
            let descriptor = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw unavailable("cannot open the spool lock") }
            defer { close(descriptor) }
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else { throw unavailable("cannot lock the spool") }
            }
            defer { _ = flock(descriptor, LOCK_UN) }
            return try body()
        }
    }

    /// Opens `path` for appending without following a symlink; a file it creates has its name
    /// made durable (the folder fsynced) before anything is written to it.
    func openForAppend(_ path: String) throws -> CInt {
        var descriptor = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 && !syncDirectory() {
                close(descriptor)
                throw unavailable("cannot fsync the spool folder")
            }
        }
        guard descriptor >= 0 else { throw unavailable("cannot open \(path.split(separator: "/").last ?? "") (a symlink is refused)") }
        return descriptor
    }

    /// fsyncs the spool folder, so a created, renamed or removed name is durable.
    @discardableResult
    func syncDirectory() -> Bool {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }

    /// Appends `line` whole or not at all: a write or fsync that fails (a full disk) is cut back to
    /// the size before it, so a later append never lands on a fragment; and a fragment left by a
    /// crash mid-write is ended with a newline first, so it stays one unreadable line of its own.
    func appendBlocking(_ line: [UInt8]) throws {
        let descriptor = try openForAppend(activePath)
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
    /// aside. Lines that do not decode (a write torn by a crash) are moved to the quarantine file
    /// and counted in `skipped`.
    public func takeForReplay() async throws -> (events: [UsageEvent], skipped: Int)? {
        try await threadPool.runIfActive { [self] () throws -> (events: [UsageEvent], skipped: Int)? in
            try locked {
                if access(replayPath, F_OK) != 0 {
                    var status = stat()
                    guard lstat(activePath, &status) == 0, status.st_size > 0 else { return nil }
                    guard rename(activePath, replayPath) == 0 else { throw unavailable("cannot move the spool aside") }
                    syncDirectory()
                }
                let data = try readReplayFile()
                let decoder = JSONDecoder()
                var events: [UsageEvent] = []
                var unreadable: [[UInt8]] = []
                for line in data.split(separator: 0x0A) where !line.isEmpty {
                    if let event = try? decoder.decode(UsageEvent.self, from: Data(line)) { events.append(event) } else { unreadable.append(Array(line)) }
                }
                if !unreadable.isEmpty { try quarantineBlocking(unreadable) }
                return (events, unreadable.count)
            }
        }
    }

    /// The replay file's bytes, read without following a symlink.
    func readReplayFile() throws -> [UInt8] {
        let descriptor = open(replayPath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw unavailable("cannot open the replay file (a symlink is refused)") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw unavailable("cannot read the replay file") }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// Keeps an event the ledger refused for good (`LedgerFailure.isPermanent`) in the quarantine
    /// file, so the replay goes on past it and an operator can still see it.
    public func quarantine(_ event: UsageEvent) async throws {
        let line = Array(try JSONEncoder().encode(event))
        try await threadPool.runIfActive { [self, line] in try locked { try quarantineBlocking([line]) } }
    }

    /// Appends lines to the quarantine file, fsynced. It is not bounded by `maxBytes`: it only ever
    /// holds what was already in the bounded spool.
    func quarantineBlocking(_ lines: [[UInt8]]) throws {
        let descriptor = try openForAppend(quarantinePath)
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [0x0A] }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw unavailable("cannot write the quarantine file") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw unavailable("cannot fsync the quarantine file") }
    }

    /// Removes the replay file once every event in it is in Redis (or quarantined).
    public func finishReplay() async throws {
        try await threadPool.runIfActive { [self] in
            try locked {
                _ = unlink(replayPath)
                syncDirectory()
            }
        }
    }
}
