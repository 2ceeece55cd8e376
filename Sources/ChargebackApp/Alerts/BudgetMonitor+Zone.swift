import ChargebackCore
import ChargebackUseCases

extension BudgetMonitor {
    /// The monitor of `book`, its time zone read from the TZif files (`TimeZones`); a zone this
    /// machine does not know is a configuration error naming it.
    public init(book: BudgetBook, reader: any CounterSource, store: any SnapshotRepository, health: any IngestHealthSource,
                alerts: any EvaluationMarkers) throws(ConfigurationFileError) {
        guard let zone = TimeZones.rules(named: book.timeZone) else {
            throw ConfigurationFileError("budgets: timeZone '\(book.timeZone)' is not an IANA time zone such as Europe/Paris")
        }
        self.init(book: book, zone: zone, reader: reader, store: store, health: health, alerts: alerts)
    }
}
