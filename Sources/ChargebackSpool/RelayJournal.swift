import ChargebackCore
import FoundationEssentials
import Glibc
import NIOConcurrencyHelpers
import NIOPosix

/// The relay's write-ahead: while a relayed stream runs, its estimate (the prompt, the response not
/// captured) waits in a file of its own under the spool folder (`relay-pending/`). The relay removes
/// it once the call is recorded; a file left behind belongs to a stream whose handler died (a crash,
/// an instance killed) or could not record, and is adopted into the spool, so that call is still
/// counted, estimated, once: the estimate is counted under APIM's request id, which the exact record
/// marks too (a Responses create included: `RecordScript`, KEYS[5]), so an estimate adopted after the
/// exact record was made is a duplicate, never a second charge.
///
/// Whose files are whose: each journal (one per handler) names its files `<nonce>-<n>.json` and holds
/// an exclusive `flock` on `<nonce>.lock` for as long as it lives; the kernel releases it when the
/// process dies, whatever namespace or machine looks at the folder (pids would lie across containers
/// and after a restart). A file is adopted when its journal's lock can be taken (its handler is
/// gone), or when it is older than `maxAgeSeconds` (longer than any relayed stream lives: one whose
/// live handler could not record it is adopted then). Files are written under a temporary name and
/// renamed, so a torn write never looks final; every path is opened without following a symlink, and
/// the folder itself must be a directory, not a link.
public final class RelayJournal: Sendable {
    let spool: EventSpool
    let maxAgeSeconds: Int
    let nonce: String
    private let state = NIOLockedValueBox<State>(State())

    struct State {
        var counter: UInt64 = 0
        /// This journal's lock, held open (and locked) from its first write until it is released.
        var lockDescriptor: CInt = -1
    }

    var directory: String { spool.directory + "/relay-pending" }

    /// `maxAgeSeconds` must exceed the relay's longest stream (its upstream timeout is an hour).
    public init(spool: EventSpool, maxAgeSeconds: Int = 7_200) {
        self.spool = spool
        self.maxAgeSeconds = maxAgeSeconds
        self.nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    deinit {
        let descriptor = state.withLockedValue { $0.lockDescriptor }
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// A pending estimate, written and fsynced.
    public struct Entry: Sendable {
        let path: String
    }

    /// Writes the estimate of a call that is starting; the relay removes it with `close` once recorded.
    public func open(_ event: UsageEvent) async throws -> Entry {
        let bytes = Array(try JSONEncoder().encode(event))
        let number = state.withLockedValue { state -> UInt64 in
            state.counter += 1
            return state.counter
        }
        let path = "\(directory)/\(nonce)-\(number).json"
        try await spool.threadPool.runIfActive { [self] in try write(bytes, to: path) }
        return Entry(path: path)
    }

    /// The call is recorded: its estimate is no longer needed.
    public func close(_ entry: Entry) async {
        try? await spool.threadPool.runIfActive { _ = unlink(entry.path) }
    }

    /// The folder, created owner-only; refused when it is anything but a directory (a planted link).
    func ensureDirectory() throws {
        spool.makeDirectories()
        mkdir(directory, 0o700)
        var status = stat()
        guard lstat(directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw spool.unavailable("relay-pending is not a directory (a symlink is refused)")
        }
    }

    /// Takes this journal's lock the first time it writes: held until the process ends.
    func holdLock() throws {
        try state.withLockedValue { state in
            guard state.lockDescriptor < 0 else { return }
            let descriptor = Glibc.open("\(directory)/\(nonce).lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw spool.unavailable("cannot create the relay journal's lock") }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                Glibc.close(descriptor)
                throw spool.unavailable("cannot lock the relay journal")
            }
            state.lockDescriptor = descriptor
        }
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try ensureDirectory()
        try holdLock()
        let temporary = path + ".tmp"
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw spool.unavailable("cannot create a relay write-ahead file") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            written += count
        }
        let synced = written == bytes.count && fsync(descriptor) == 0
        Glibc.close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            _ = unlink(temporary)
            throw spool.unavailable("cannot write a relay write-ahead file")
        }
        let folder = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            Glibc.close(folder)
        }
    }

    /// Moves every orphaned estimate into the spool (whose replay records it); returns how many.
    /// A file that reads but does not decode is removed; one that cannot be read is kept for later.
    @discardableResult
    public func adoptOrphans() async throws -> Int {
        let (orphans, locks) = try await spool.threadPool.runIfActive { [self] in findOrphans() }
        defer { for descriptor in locks.values { Glibc.close(descriptor) } }
        var adopted = 0
        var kept: Set<String> = []  // owners with a file that could not be read now
        for path in orphans {
            guard let bytes = try await spool.threadPool.runIfActive({ [self] in read(path) }) else {
                if let owner = Self.owner(ofEntry: path.split(separator: "/").last ?? "") { kept.insert(String(owner)) }
                continue
            }
            if let event = try? JSONDecoder().decode(UsageEvent.self, from: Data(bytes)) {
                try await spool.append(event)
                adopted += 1
            }
            try await spool.threadPool.runIfActive { _ = unlink(path) }
        }
        // The lock files of journals that are gone, once every file of theirs is adopted (the scan
        // listed all of a gone journal's files).
        try await spool.threadPool.runIfActive { [self, kept] in
            for owner in locks.keys where !kept.contains(owner) { _ = unlink("\(directory)/\(owner).lock") }
        }
        return adopted
    }

    /// The adoptable files, and the locks taken on the way (their journals are gone; held until the
    /// files are adopted, so two adopters never both take them).
    func findOrphans(now: time_t = time(nil)) -> (paths: [String], locks: [String: CInt]) {
        var folderStatus = stat()
        guard lstat(directory, &folderStatus) == 0, (folderStatus.st_mode & S_IFMT) == S_IFDIR, let folder = opendir(directory) else { return ([], [:]) }
        defer { closedir(folder) }
        var paths: [String] = []
        var locks: [String: CInt] = [:]
        var live: Set<String> = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let path = directory + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            let aged = Int(now - status.st_mtim.tv_sec) > maxAgeSeconds
            if name.hasSuffix(".tmp") {
                if aged { _ = unlink(path) }  // a write a crash interrupted: its call was never pending
                continue
            }
            guard name.hasSuffix(".json"), let entryOwner = Self.owner(ofEntry: Substring(name)) else {
                // A lock with no files left: taken when its journal is gone, and removed below.
                let owner = String(name.dropLast(5))
                if name.hasSuffix(".lock"), owner != nonce, !live.contains(owner), locks[owner] == nil {
                    if let descriptor = takeLock(owner) { locks[owner] = descriptor } else { live.insert(owner) }
                }
                continue
            }
            let owner = String(entryOwner)
            if aged {
                paths.append(path)
            } else if owner != nonce && !live.contains(owner) {
                if locks[owner] == nil, let descriptor = takeLock(owner) { locks[owner] = descriptor }
                if locks[owner] != nil { paths.append(path) } else { live.insert(owner) }
            }
        }
        return (paths, locks)
    }

    /// The journal an entry file (`<owner>-<n>.json`) belongs to; nil for a name without one.
    static func owner(ofEntry name: Substring) -> Substring? {
        name.firstIndex(of: "-").map { name[..<$0] }
    }

    /// The lock of the journal `owner`, if no process holds it (nil: it lives).
    func takeLock(_ owner: String) -> CInt? {
        let descriptor = Glibc.open("\(directory)/\(owner).lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(descriptor)
            return nil
        }
        return descriptor
    }

    /// The file's bytes; nil when it cannot be read now (kept for a later pass).
    func read(_ path: String) -> [UInt8]? {
        let descriptor = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count == 0 { return bytes }
            guard count > 0, bytes.count < 1 << 20 else { return count > 0 ? [] : nil }
            bytes += chunk[0..<count]
        }
    }
}
