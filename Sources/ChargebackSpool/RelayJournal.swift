import ChargebackCore
import FoundationEssentials
import Glibc
import NIOConcurrencyHelpers
import NIOPosix

/// The relay's write-ahead: while a relayed stream runs, its estimate (the prompt, the response not
/// captured) waits in a file of its own under the spool folder (`relay-pending/`). The relay removes
/// it once the call is recorded; a file left behind belongs to a stream whose handler died (a crash,
/// an instance killed) or could not record, and is adopted into the spool, so that call is still
/// counted, estimated, once: the exactly-once id is APIM's request id, so an estimate adopted after
/// the exact record was made is a duplicate, never a second charge.
///
/// A file is an orphan when no live journal wrote it (each journal names its files with its pid and a
/// random nonce) and its process is gone (no such pid, or this process's own pid with a nonce no
/// journal here has: a predecessor's), or it is older than `maxAgeSeconds` (longer than any relayed
/// stream lives). Names are ours alone (no request id in them); files are opened without following a
/// symlink.
public final class RelayJournal: Sendable {
    let spool: EventSpool
    let maxAgeSeconds: Int
    let nonce: String
    let processID: Int32
    private let counter = NIOLockedValueBox<UInt64>(0)
    /// The nonces of this process's live journals (a test process runs several handlers at once).
    private static let liveNonces = NIOLockedValueBox<Set<String>>([])

    var directory: String { spool.directory + "/relay-pending" }

    /// `maxAgeSeconds` must exceed the relay's longest stream (its upstream timeout is an hour).
    public init(spool: EventSpool, maxAgeSeconds: Int = 7_200) {
        self.spool = spool
        self.maxAgeSeconds = maxAgeSeconds
        self.nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        self.processID = getpid()
        Self.liveNonces.withLockedValue { _ = $0.insert(nonce) }
    }

    deinit {
        Self.liveNonces.withLockedValue { _ = $0.remove(nonce) }
    }

    /// A pending estimate, written and fsynced.
    public struct Entry: Sendable {
        let path: String
    }

    /// Writes the estimate of a call that is starting; the relay removes it with `close` once recorded.
    public func open(_ event: UsageEvent) async throws -> Entry {
        let bytes = Array(try JSONEncoder().encode(event))
        let number = counter.withLockedValue { value -> UInt64 in
            value += 1
            return value
        }
        let path = "\(directory)/\(processID)-\(nonce)-\(number).json"
        try await spool.threadPool.runIfActive { [self] in try write(bytes, to: path) }
        return Entry(path: path)
    }

    /// The call is recorded: its estimate is no longer needed.
    public func close(_ entry: Entry) async {
        try? await spool.threadPool.runIfActive { _ = unlink(entry.path) }
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        spool.makeDirectories()
        mkdir(directory, 0o700)
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw spool.unavailable("cannot create a relay write-ahead file") }
        defer { Glibc.close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                _ = unlink(path)
                throw spool.unavailable("cannot write a relay write-ahead file")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            _ = unlink(path)
            throw spool.unavailable("cannot fsync a relay write-ahead file")
        }
        let folder = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            Glibc.close(folder)
        }
    }

    /// Moves every orphaned estimate into the spool (whose replay records it); returns how many.
    /// A file that does not decode (torn by a crash while it was written) is removed.
    @discardableResult
    public func adoptOrphans() async throws -> Int {
        let orphans = try await spool.threadPool.runIfActive { [self] in orphanPaths() }
        var adopted = 0
        for path in orphans {
            let bytes = try await spool.threadPool.runIfActive { [self] in read(path) }
            if let bytes, let event = try? JSONDecoder().decode(UsageEvent.self, from: Data(bytes)) {
                try await spool.append(event)
                adopted += 1
            }
            try await spool.threadPool.runIfActive { _ = unlink(path) }
        }
        return adopted
    }

    /// The files of processes that are gone, or older than `maxAgeSeconds`; never this process's.
    func orphanPaths(now: time_t = time(nil)) -> [String] {
        guard let folder = opendir(directory) else { return [] }
        defer { closedir(folder) }
        var paths: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let parts = name.split(separator: "-")
            guard name.hasSuffix(".json"), parts.count == 3, let pid = Int32(parts[0]) else { continue }
            let path = directory + "/" + name
            if pid == processID && Self.liveNonces.withLockedValue({ $0.contains(String(parts[1])) }) { continue }
            var status = stat()
            guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            let gone = pid == processID || pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)
            if gone || Int(now - status.st_mtim.tv_sec) > maxAgeSeconds { paths.append(path) }
        }
        return paths
    }

    func read(_ path: String) -> [UInt8]? {
        let descriptor = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0, bytes.count < 1 << 20 else { return count == 0 ? bytes : nil }
            bytes += chunk[0..<count]
        }
    }
}
