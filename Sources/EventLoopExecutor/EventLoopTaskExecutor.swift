import NIOCore
import NIOPosix

/// Runs Swift Concurrency jobs on NIO's event loops: each job on the loop of the thread that made it
/// runnable (the loop that read a request, or received a reply), else on the next loop.
/// `chargeback serve` and `functions-host` run their whole application under this preference (task
/// groups pass it to every connection and request task), so a request's code runs on the loop that
/// serves its socket and, with `RedisPool` preferring a connection on the caller's loop, the
/// handler's ledger write too: no hop to a dispatch worker and back at every await (the profile
/// showed those wake-ups above extraction's whole cost). Blocking work must stay off the loops:
/// libcurl and the spool's file I/O run on the NIOThreadPool, the host reaps its child on a thread
/// of its own. (NIO's own takeover of the global executor needs a runtime hook that the statically
/// linked runtime keeps local; a task executor preference needs none.)
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // Immutable after init: a class only because Executor is a class protocol.
    let group: MultiThreadedEventLoopGroup

    public init(group: MultiThreadedEventLoopGroup = .singleton) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
