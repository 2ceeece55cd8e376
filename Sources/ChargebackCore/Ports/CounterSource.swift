import CivilCalendar

/// What the use cases (rollup, reports) read of the hourly counters, and the dirty marks that say
/// which closed days have events a rollup has not seen. `ChargebackRedis.LedgerReader` implements it
/// over Redis, `ChargebackMemory.InMemoryLedger` in memory; one contract suite runs over both.
public protocol CounterSource: Sendable {
    /// Every hourly record of a UTC day, for all subscriptions with usage that day or only those in `only`.
    func usage(on day: CivilDay, only: Set<String>?) async throws -> [HourlyUsage]
    /// The same records and, per subscription, the day's dirty mark read in the same step as its
    /// counters (a rollup that clears exactly that mark never clears a later event's).
    func usageAndMarks(on day: CivilDay, only: Set<String>?) async throws -> (usage: [HourlyUsage], marks: [String: String])
    /// Subscription → day → mark, for every subscription with usage on one of `days`.
    func dirtyMarks(indexedOn days: [CivilDay]) async throws -> [String: [CivilDay: String]]
    /// Removes `day` from each subscription's dirty days if its mark is still the one read.
    func clearDirty(_ day: CivilDay, marks: [String: String]) async throws
}

extension CounterSource {
    public func usage(on day: CivilDay) async throws -> [HourlyUsage] { try await usage(on: day, only: nil) }
    public func usageAndMarks(on day: CivilDay) async throws -> (usage: [HourlyUsage], marks: [String: String]) {
        try await usageAndMarks(on: day, only: nil)
    }
}
