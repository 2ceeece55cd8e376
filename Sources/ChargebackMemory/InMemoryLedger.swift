import ChargebackCore
import CivilCalendar
import Synchronization

/// The ledger and its counters in memory, for the use-case tests (no Redis): an event is counted
/// once per `requestId` into its subscription × deployment × UTC hour (`UsageEvent.counterIncrements`),
/// and marks its day dirty. What the Redis ledger adds on top (objects billed to their creator, the
/// deployment cap, the counter ceiling) is the Redis adapter's and tested there.
public final class InMemoryLedger: Ledger, CounterSource {
    struct HourKey: Hashable {
        let subscription: String
        let deployment: String
        let hour: Int64
    }

    struct State {
        var seen: Set<String> = []
        var hours: [HourKey: [Counter: Int64]] = [:]
        /// Subscription → day → events since the mark was last cleared (the mark is that count).
        var dirty: [String: [CivilDay: Int]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func record(_ event: UsageEvent) async throws -> RecordOutcome {
        state.withLock { state in
            guard state.seen.insert(event.requestId).inserted else { return .duplicate }
            let hour = event.timestamp.millisecondsSinceEpoch >= 0
                ? event.timestamp.millisecondsSinceEpoch / 3_600_000 : (event.timestamp.millisecondsSinceEpoch - 3_599_999) / 3_600_000
            let key = HourKey(subscription: event.subscriptionId, deployment: event.deployment.isEmpty ? "(unknown)" : event.deployment, hour: hour)
            for (counter, amount) in event.counterIncrements { state.hours[key, default: [:]][counter, default: 0] += amount }
            state.dirty[event.subscriptionId, default: [:]][event.timestamp.day, default: 0] += 1
            return .recorded
        }
    }

    public func usage(on day: CivilDay, only: Set<String>?) async throws -> [HourlyUsage] {
        try await usageAndMarks(on: day, only: only).usage
    }

    public func usageAndMarks(on day: CivilDay, only: Set<String>?) async throws -> (usage: [HourlyUsage], marks: [String: String]) {
        state.withLock { state in
            let usage = state.hours.compactMap { key, counters -> HourlyUsage? in
                let usage = HourlyUsage(subscription: key.subscription, deployment: key.deployment, hour: key.hour, counters: counters)
                guard usage.day == day, only?.contains(key.subscription) ?? true else { return nil }
                return usage
            }
            var marks: [String: String] = [:]
            for record in usage {
                if let mark = state.dirty[record.subscription]?[day] { marks[record.subscription] = String(mark) }
            }
            return (usage, marks)
        }
    }

    public func dirtyMarks(indexedOn days: [CivilDay]) async throws -> [String: [CivilDay: String]] {
        state.withLock { state in
            let active = Set(state.hours.keys.filter { key in
                days.contains(HourlyUsage(subscription: key.subscription, deployment: key.deployment, hour: key.hour, counters: [:]).day)
            }.map(\.subscription))
            var result: [String: [CivilDay: String]] = [:]
            for subscription in active {
                guard let days = state.dirty[subscription], !days.isEmpty else { continue }
                result[subscription] = days.mapValues(String.init)
            }
            return result
        }
    }

    public func clearDirty(_ day: CivilDay, marks: [String: String]) async throws {
        state.withLock { state in
            for (subscription, mark) in marks where state.dirty[subscription]?[day].map(String.init) == mark {
                state.dirty[subscription]?[day] = nil
            }
        }
    }
}
