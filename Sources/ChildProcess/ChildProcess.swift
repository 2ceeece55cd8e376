import CSpawn
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, for the local host's handler and the tests.
///
/// Not `Foundation.Process`: on Linux with Swift 6.3.1 its `run()` reads past a `dirent` while
/// closing descriptors and crashes intermittently (swift-corelibs-foundation PR #5472). Here the
/// child closes every descriptor above 2 itself (`posix_spawn_file_actions_addclosefrom_np`, via `CSpawn`), its
/// signal mask and dispositions are reset, and one thread per child waits for its exit.
public final class ChildProcess: @unchecked Sendable {
    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Why a child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The child's process id.
    public let pid: pid_t
    // Guarded by `lock`; `@unchecked Sendable` because of these two fields and the condition.
    private var termination: Termination?
    private var handlers: [@Sendable (Termination) -> Void] = []
    private var lock = pthread_mutex_t()
    private var condition = pthread_cond_t()

    /// Starts `executable` (a path) with `arguments`, `environment` and `workingDirectory`; the
    /// standard descriptors are `standardInput` (default `/dev/null`), `standardOutput` and
    /// `standardError` (default: this process's).
    public init(executable: String, arguments: [String] = [], environment: [String: String], workingDirectory: String? = nil,
                standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let standardOutput { posix_spawn_file_actions_adddup2(&actions, standardOutput, 1) }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        cspawn_file_actions_addclosefrom(&actions, 3)
        if let workingDirectory { cspawn_file_actions_addchdir(&actions, workingDirectory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))") }
        pid = child
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&condition, nil)
        startWaiter()
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&lock)
    }

    /// A pipe whose ends close on exec (a child gets an end only through the standard descriptors).
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard cspawn_pipe_cloexec(&ends) == 0 else { throw SpawnError(description: "pipe2 failed: \(String(cString: strerror(errno)))") }
        return (ends[0], ends[1])
    }

    /// True until the child has exited.
    public var isRunning: Bool { withLock { termination == nil } }

    /// Sends `signal` to the child (nothing once it has exited).
    public func send(_ signal: Int32) {
        withLock { if termination == nil { _ = kill(pid, signal) } }
    }

    /// Calls `handler` once with the termination (at once if it already happened), on the waiter thread.
    public func onTermination(_ handler: @escaping @Sendable (Termination) -> Void) {
        let finished: Termination? = withLock {
            if termination == nil { handlers.append(handler) }
            return termination
        }
        if let finished { handler(finished) }
    }

    /// Blocks the calling thread until the child exits (never call it on the cooperative pool).
    public func waitUntilExit() -> Termination {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        while termination == nil { pthread_cond_wait(&condition, &lock) }
        return termination ?? .exited(-1)
    }

    private func startWaiter() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let child = Unmanaged<ChildProcess>.fromOpaque(context).takeRetainedValue()
            child.reap()
            return nil
        }, box.toOpaque())
        if started == 0 {
            pthread_detach(thread)
        } else {
            box.release()
        }
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7F
        let finished: Termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        let pending: [@Sendable (Termination) -> Void] = withLock {
            termination = finished
            pthread_cond_broadcast(&condition)
            defer { handlers = [] }
            return handlers
        }
        for handler in pending { handler(finished) }
    }

    private func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return body()
    }
}
