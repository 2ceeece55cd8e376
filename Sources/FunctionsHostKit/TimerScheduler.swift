import Foundation
import FunctionsProtocol
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Fires timer functions on their NCRONTAB schedule (UTC) and on demand, one run at a time per
/// function, with the `TimerInfo` payload the real host sends. Schedule status lives in memory:
/// the first run reports `Last` = 0001-01-01, as a never-run monitored timer does.
final class TimerScheduler: Service, Sendable {
    struct Timer: Sendable {
        let name: String
        let trigger: FunctionMetadata.TimerTrigger
        let schedule: CronSchedule
    }

    let timers: [Timer]
    let invoker: HandlerInvoker
    let logger: Logger
    private let lastRuns = NIOLockedValueBox<[String: Date]>([:])
    private let running = NIOLockedValueBox<Set<String>>([])

    init(app: FunctionApp, invoker: HandlerInvoker, logger: Logger) {
        self.timers = app.functions.compactMap { function in
            guard case let .timer(trigger) = function.trigger, let schedule = try? CronSchedule(trigger.schedule) else { return nil }
            return Timer(name: function.name, trigger: trigger, schedule: schedule)
        }
        self.invoker = invoker
        self.logger = logger
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for timer in timers {
                group.addTask { await self.loop(timer) }
            }
        }
    }

    func loop(_ timer: Timer) async {
        await cancelWhenGracefulShutdown {
            if timer.trigger.runOnStartup { _ = await self.fire(timer.name, isPastDue: false, manual: false) }
            while !Task.isCancelled {
                guard let due = timer.schedule.nextOccurrence(after: Date()) else { return }
                let wait = due.timeIntervalSinceNow
                do { try await Task.sleep(for: .milliseconds(Int64(max(wait, 0) * 1000))) } catch { return }
                _ = await self.fire(timer.name, isPastDue: false, manual: false, due: due)
            }
        }
    }

    /// Runs timer `name` once (after any run in progress); true when the handler reported success.
    func fire(_ name: String, isPastDue: Bool, manual: Bool, due: Date? = nil) async -> Bool {
        guard let timer = timers.first(where: { $0.name.lowercased() == name.lowercased() }) else { return false }
        while !running.withLockedValue({ $0.insert(timer.name).inserted }) {
            try? await Task.sleep(for: .milliseconds(25))
        }
        defer { _ = running.withLockedValue { $0.remove(timer.name) } }

        let now = Date()
        let last = lastRuns.withLockedValue { $0[timer.name] } ?? TimerInvocation.minValue
        let next = due ?? timer.schedule.nextOccurrence(after: now) ?? now
        // As the timer extension: no monitor when asked, or when the schedule fires more than once a minute.
        let monitored = timer.trigger.useMonitor && !timer.schedule.firesMoreThanOncePerMinute
        let status = monitored ? TimerInvocation.ScheduleStatus(last: last, next: next, lastUpdated: last) : nil
        let invocation = TimerInvocation(scheduleStatus: status, isPastDue: isPastDue, utcNow: now)
        let invocationID = RandomGUID.next()
        let body = invocation.invocation(bindingName: timer.trigger.bindingName, functionName: timer.name, randGuid: RandomGUID.next())
        let metadata: Logger.Metadata = ["function.name": "\(timer.name)", "invocation.id": "\(invocationID)", "timer.manual": "\(manual)"]
        do {
            let (result, _) = try await invoker.invoke(functionName: timer.name, invocation: body, invocationID: invocationID)
            lastRuns.withLockedValue { $0[timer.name] = now }
            for line in result.logs { logger.info("function log", metadata: metadata.merging(["log": "\(line)"]) { $1 }) }
            logger.info("timer run succeeded", metadata: metadata)
            return true
        } catch {
            lastRuns.withLockedValue { $0[timer.name] = now }
            logger.error("timer run failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return false
        }
    }
}
