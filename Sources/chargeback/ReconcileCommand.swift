import ArgumentParser
import ChargebackApp
import ChargebackCore
import ChargebackRedis
import ChargebackUseCases
import CivilCalendar
import Digest
import RedisClient
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `chargeback reconcile --export FILE --map FILE`: compares an Azure Cost Management FOCUS export
/// with the ledger per day, model × deployment type and meter, and prints the true-up lines that
/// share each difference (docs/reconciliation.md); `--apply` stores them for the report. Exits 3 when
/// the drift exceeds `--alert-percent`.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare an Azure cost export (FOCUS CSV) with the ledger and compute true-up lines.")

    @Option(help: "The Cost Management FOCUS cost export (CSV) covering the Azure OpenAI account.")
    var export: String

    @Option(help: "The meter map: Azure meter names → model, deployment type and meter (config/retail-meter-map.example.json shows the shape).")
    var map: String

    @Option(help: "The Azure OpenAI account's resource id; default: CHARGEBACK_OPENAI_RESOURCE_ID.")
    var resource: String?

    @Option(help: "The export's cost column: BilledCost (the invoice) or EffectiveCost (commitments amortized).")
    var cost = "BilledCost"

    @Option(help: "Differences up to this amount per day, model and meter are left alone (decimal, in the price book's currency).")
    var tolerance = "0.01"

    @Option(help: "The cost center that receives what cannot be shared by use (calls outside APIM, unmapped meters).")
    var owner = "CC-9000"

    @Option(help: "Exit 3 (an alert) when the drift exceeds this percentage of the invoice.")
    var alertPercent = 1.0

    @Option(help: "Write the true-up lines to this file as FOCUS 1.2 Adjustment rows.")
    var focus: String?

    @Flag(help: "Store the true-ups of the export's rolled-up days, replacing those days' earlier ones: the chargeback report then shows them.")
    var apply = false

    @Option(help: "With --apply, the last day applied (YYYY-MM-DD); default: 3 days before today (UTC), as Azure closes a day's usage up to 72 hours late.")
    var applyThrough: String?

    @Option(name: .customLong("alert-channel"), help: "A channel of the budget book (CHARGEBACK_BUDGETS) to alert on drift; repeat for more; default: all of them.")
    var alertChannels: [String] = []

    func run() async throws {
        let configuration = ChargebackCommand.toolConfiguration("reconcile")
        guard cost == "BilledCost" || cost == "EffectiveCost" else { ChargebackCommand.fail("chargeback reconcile: --cost must be BilledCost or EffectiveCost", exitCode: 64) }
        guard let limit = InvoiceNumber.picos(tolerance), limit >= 0 else { ChargebackCommand.fail("chargeback reconcile: --tolerance must be a decimal amount", exitCode: 64) }
        guard alertPercent >= 0, alertPercent.isFinite else { ChargebackCommand.fail("chargeback reconcile: --alert-percent must be 0 or more", exitCode: 64) }
        // Cost Management: "Cost and usage data is typically available … within 8-24 hours", and Azure
        // closes a billing period "up to 72 hours (three calendar days)" after it ends ("Understand Cost
        // Management data", MicrosoftDocs/azure-docs articles/cost-management-billing/costs/
        // understand-cost-mgt-data.md). A day younger than that may still grow in the next export.
        let through: CivilDay
        if let applyThrough {
            guard let day = CivilDay.parse(applyThrough) else { ChargebackCommand.fail("chargeback reconcile: --apply-through must be a day, YYYY-MM-DD", exitCode: 64) }
            through = day
        } else {
            through = UTCTimestamp.now.day.adding(days: -3)
        }
        let pricer: Pricer
        switch PricerLoader.load(configuration) {
        case let .success(loaded): pricer = loaded
        case let .failure(error): ChargebackCommand.fail("chargeback reconcile: \(error)")
        }
        guard pricer.costCenters.isKnown(owner) else {
            ChargebackCommand.fail("chargeback reconcile: --owner '\(owner)' is not a cost center of \(configuration.costCentersPath)", exitCode: 64)
        }
        let meterMap: InvoiceMeterMap
        do {
            meterMap = try InvoiceMeterMap.load(json: try Self.read(map, what: "--map"))
        } catch let error as ConfigurationFileError {
            ChargebackCommand.fail("chargeback reconcile: \(map): \(error)", exitCode: 65)
        }
        let accountId = resource ?? configuration.focus.openAIResourceId
        let costExport: CostExport
        let exportBytes = try Self.read(export, what: "--export")
        do {
            costExport = try CostExport(bytes: exportBytes, resourceId: accountId, costColumn: cost, currency: pricer.book.currency)
        } catch {
            ChargebackCommand.fail("chargeback reconcile: \(export): \(error)", exitCode: 65)
        }
        let redis = ChargebackApplication.redis(configuration)
        let source = ReportSource(counters: LedgerReader(redis: redis), store: SnapshotStore(redis: redis, retentionDays: configuration.snapshotRetentionDays),
                                  pricer: pricer)
        let reconciliation = Reconciliation(owner: owner, tolerance: Money(picos: limit))
        let outcome: Reconciliation.Outcome
        var deliveries: [String] = []
        var applied: InvoiceReconciler.Applied?
        do {
            let reconciler = InvoiceReconciler(source: source, reconciliation: reconciliation, map: meterMap)
            let result = try await reconciler.run(costExport, now: .now)
            outcome = result.outcome
            if apply {
                applied = try await reconciler.apply(result, exportDigest: SHA256Digest.hex(SHA256Digest.hash(exportBytes)), costColumn: cost,
                                                     through: through, now: .now)
            }
            if outcome.driftPercent > alertPercent {
                // A channel that fails must not cost the reconciliation its output: said, and the exit status stays the alert.
                do {
                    deliveries = try await alert(outcome.driftAlert(account: accountId, currency: pricer.book.currency, threshold: alertPercent),
                                                 configuration: configuration, pricer: pricer, redis: redis)
                } catch {
                    deliveries = ["not sent: \(error)"]
                }
            }
            await redis.close()
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback reconcile: Redis failed: \(error)")
        }
        print("reconciliation of \(export) for \(accountId.lowercased()): \(costExport.rows.count) usage rows (\(costExport.otherRows) of other resources skipped), cost column \(cost)")
        for (category, amount) in costExport.notCompared.sorted(by: { $0.key < $1.key }) {
            print("not compared: \(category) rows of the account, \(amount.exactText) \(pricer.book.currency)")
        }
        print(outcome.text(currency: pricer.book.currency, tolerance: Money(picos: limit)), terminator: "")
        if let focus {
            let csv = FocusExport.renderTrueUps(outcome.trueUps, currency: pricer.book.currency, costCenters: pricer.costCenters,
                                                context: FocusExport.Context(openAIResourceId: accountId, billingAccountId: configuration.focus.billingAccountId,
                                                                             billingAccountName: configuration.focus.billingAccountName,
                                                                             invoiceIssuer: configuration.focus.invoiceIssuer))
            guard FileManager.default.createFile(atPath: focus, contents: Data(csv.utf8)) else {
                ChargebackCommand.fail("chargeback reconcile: cannot write \(focus)", exitCode: 73)
            }
        }
        if let applied {
            print("applied: the true-ups of \(applied.days.count) rolled-up day(s) stored for the report"
                + (applied.days.isEmpty ? "" : " (\(applied.days.map(\.description).joined(separator: ", ")))"))
            if !applied.unsettled.isEmpty {
                print("not applied: \(applied.unsettled.map(\.description).joined(separator: ", ")) after --apply-through \(through) "
                    + "(Azure may still add usage to them); apply a later export")
            }
            if !applied.provisional.isEmpty {
                print("not applied: \(applied.provisional.map(\.description).joined(separator: ", ")) not rolled up yet (their counts can still change); "
                    + "apply again after the rollup")
            }
        }
        for delivery in deliveries { print("alert: \(delivery)") }
        if outcome.driftPercent > alertPercent {
            ChargebackCommand.fail("chargeback reconcile: ALERT: drift \(outcome.drift.exactText) \(pricer.book.currency) is "
                + "\((outcome.driftPercent * 100).rounded() / 100)% of the invoice, above --alert-percent \(alertPercent)", exitCode: 3)
        }
    }

    /// Sends the drift alert to the budget book's channels (once per account, period and drift, as
    /// budget alerts are); none configured: the exit status is the only alert.
    func alert(_ alert: Alert, configuration: Configuration, pricer: Pricer, redis: any RedisCommandRouter) async throws -> [String] {
        let book: BudgetBook
        switch BudgetServices.load(configuration, pricer: .success(pricer)) {
        case let .success(loaded?): book = loaded
        case .success(nil): return ["no budget book (\(configuration.budgetsPath)): no channel to alert; the exit status is the alert"]
        case let .failure(error): ChargebackCommand.fail("chargeback reconcile: \(error)")
        }
        let unknown = alertChannels.filter { id in !book.channels.contains { $0.id == id } }
        guard unknown.isEmpty else { ChargebackCommand.fail("chargeback reconcile: --alert-channel \(unknown.joined(separator: ", ")): not a channel of the budget book", exitCode: 64) }
        let channels = alertChannels.isEmpty ? book.channels.map(\.id) : alertChannels
        let dispatcher = AlertDispatcher(ledger: AlertLedger(redis: redis), sender: WebhookSender(), channels: book.channels,
                                         environment: ProcessInfo.processInfo.environment)
        return try await dispatcher.dispatch([AlertCandidate(alert: alert, channels: channels)], sentAt: .now)
    }

    static func read(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            ChargebackCommand.fail("chargeback reconcile: \(what) \(path): no such readable file", exitCode: 66)
        }
        return Array(data)
    }
}
