import ChargebackCore
import ChargebackRedis
import ChargebackUseCases
import FoundationEssentials

/// The budget functions' dependencies: the budget book (`CHARGEBACK_BUDGETS`), or why it was
/// refused, or nil when no budgets are configured (the default file is absent).
public struct BudgetServices: Sendable {
    public let book: Result<BudgetBook?, ConfigurationFileError>
    let reader: any CounterSource
    let store: any SnapshotRepository
    let health: IngestHealthStore
    let alerts: AlertLedger
    let dispatcher: @Sendable (BudgetBook) -> AlertDispatcher

    public init(book: Result<BudgetBook?, ConfigurationFileError>, reader: any CounterSource, store: any SnapshotRepository, health: IngestHealthStore,
                alerts: AlertLedger, dispatcher: @escaping @Sendable (BudgetBook) -> AlertDispatcher) {
        self.book = book
        self.reader = reader
        self.store = store
        self.health = health
        self.alerts = alerts
        self.dispatcher = dispatcher
    }

    /// Loads the book named by the configuration and checks it against the pricer's book and cost centers.
    public static func load(_ configuration: Configuration, pricer: Result<Pricer, ConfigurationFileError>) -> Result<BudgetBook?, ConfigurationFileError> {
        guard configuration.budgetsPathIsExplicit || FileManager.default.fileExists(atPath: configuration.budgetsPath) else { return .success(nil) }
        do throws(ConfigurationFileError) {
            let book = try BudgetBook.load(try PricerLoader.read(configuration.budgetsPath, what: "budgets (CHARGEBACK_BUDGETS)"))
            if case let .success(pricer) = pricer { try book.validate(against: pricer.book, costCenters: pricer.costCenters) }
            guard TimeZones.rules(named: book.timeZone) != nil else {
                throw ConfigurationFileError("budgets: timeZone '\(book.timeZone)' is not an IANA time zone such as Europe/Paris")
            }
            return .success(book)
        } catch {
            return .failure(error)
        }
    }

    /// The monitor, or a 503 naming the bad file; nil when no budgets are configured.
    func requireMonitor() throws(FunctionFailure) -> (BudgetMonitor, BudgetBook)? {
        switch book {
        case .success(nil): return nil
        case let .success(book?):
            do throws(ConfigurationFileError) {
                return (try BudgetMonitor(book: book, reader: reader, store: store, health: health, alerts: alerts), book)
            } catch {
                throw FunctionFailure(status: 503, code: "budgets_unavailable", message: "\(error)")
            }
        case let .failure(error):
            throw FunctionFailure(status: 503, code: "budgets_unavailable", message: "the budgets file could not be loaded: \(error)")
        }
    }
}
