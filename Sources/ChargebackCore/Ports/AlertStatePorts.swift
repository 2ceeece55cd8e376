/// The ingest counts per UTC hour, across every instance (the error-rate alert reads them).
/// `ChargebackRedis.IngestHealthStore` implements it; `ChargebackMemory.InMemoryAlertState` too.
public protocol IngestHealthSource: Sendable {
    /// The requests and the refused or failed ones of an hour (hours since the epoch); zeros when none.
    func counts(hour: Int64) async throws -> (requests: Int64, errors: Int64)
}

/// Which evaluations ran to the end (one day's anomalies at one snapshot revision), so later runs
/// skip them. `ChargebackRedis.AlertLedger` implements it; `ChargebackMemory.InMemoryAlertState` too.
public protocol EvaluationMarkers: Sendable {
    /// True when `key` was evaluated to the end by an earlier run.
    func wasExamined(_ key: String) async throws -> Bool
    /// Records that `key` was evaluated and its alerts handed on.
    func markExamined(_ key: String) async throws
}
