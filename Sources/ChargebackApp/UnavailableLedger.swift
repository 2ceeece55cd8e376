import ChargebackCore

/// The production ledger until the Redis ledger lands: it records nothing and says so, so the
/// ingest function answers 503 rather than acknowledging usage it did not keep.
struct UnavailableLedger: Ledger {
    struct NotAvailable: Error {}

    func record(_ event: UsageEvent) async throws -> RecordOutcome {
        throw NotAvailable()
    }
}
