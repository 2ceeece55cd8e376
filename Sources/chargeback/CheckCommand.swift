import ArgumentParser
import ChargebackApp
import ChargebackCore
import CivilCalendar
import CurlClient
import FoundationEssentials

/// `chargeback check [--price-book FILE] [--cost-centers FILE] [--budgets FILE] [--libcurl] [--time-zone NAME]`: validates
/// the money files the handler would load and says what they hold; `--libcurl` also loads libcurl (the
/// handler loads it on first use) and says from where; `--time-zone` says which zoneinfo file a zone is read from. Exit 0 when valid, 1 with the reason otherwise.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the price book, the cost-center file and the budgets (run before deploying them).")

    @Option(help: "The price book (default: CHARGEBACK_PRICE_BOOK or config/price-book.json).")
    var priceBook: String?

    @Option(help: "The cost-center file (default: CHARGEBACK_COST_CENTERS or config/cost-centers.json).")
    var costCenters: String?

    @Option(help: "The budgets file (default: CHARGEBACK_BUDGETS or config/budgets.json).")
    var budgets: String?

    @Flag(help: "Also load libcurl, as the first alert or upstream call would, and say which file and version.")
    var libcurl = false

    @Option(help: "Also look up an IANA time zone, as the usage summary's tz= would, and say which file it is read from.")
    var timeZone: String?

    func run() async throws {
        var configuration = ChargebackCommand.toolConfiguration("check")
        if let priceBook { configuration.priceBookPath = priceBook }
        if let costCenters {
            configuration.costCentersPath = costCenters
            configuration.costCentersPathIsExplicit = true
        }
        let pricer: Pricer
        switch PricerLoader.load(configuration) {
        case let .success(loaded): pricer = loaded
        case let .failure(error): ChargebackCommand.fail("chargeback check: \(error)")
        }
        let book = pricer.book
        let today = UTCTimestamp.now.day
        print("price book '\(book.name)' (\(configuration.priceBookPath)): \(book.currency), \(book.deployments.count) deployments, \(book.priceSets.count) price versions\(book.isIllustrative ? ", ILLUSTRATIVE prices" : "")")
        for deployment in book.deployments.keys.sorted() {
            if let provisioning = book.provisioning(deployment: deployment, on: today) {
                let owner: String
                switch provisioning.unused {
                case let .owner(center): owner = "unused capacity to \(center)"
                case let .proRata(center): owner = "unused capacity spread pro rata, idle hours to \(center)"
                }
                print("  \(deployment): \(provisioning.version): \(provisioning.ptus) PTUs at \(DecimalText.text(micros: provisioning.microsPerPTUHour)) per PTU-hour, shared by use, \(owner)")
                continue
            }
            switch book.priceSet(deployment: deployment, on: today) {
            case let .success(set): print("  \(deployment): \(set.version)")
            case let .failure(reason): print("  \(deployment): UNPRICED today: \(reason)")
            }
        }
        let centers = pricer.costCenters
        // Idle PTU hours are charged to their owner: a cost center nobody reads would hide them. Refused
        // here, before a deployment, not at the handler's start (a cost-center file edited later must
        // not stop the reports).
        for provisioning in book.provisioned {
            let owner = provisioning.unused.owner
            if !centers.isKnown(owner) {
                ChargebackCommand.fail("chargeback check: price book: provisioned '\(provisioning.version)': owner '\(owner)' is not a cost center of \(configuration.costCentersPath)")
            }
        }
        print("cost centers (\(configuration.costCentersPath)): \(centers.centers.count) cost centers, \(centers.subscriptions.count) subscriptions mapped, others go to '\(CostCenters.unassigned)'")
        if let budgets {
            configuration.budgetsPath = budgets
            configuration.budgetsPathIsExplicit = true
        }
        switch BudgetServices.load(configuration, pricer: .success(pricer)) {
        case .success(nil): print("budgets: none (\(configuration.budgetsPath) is absent)")
        case let .success(book?):
            let channels = book.channels.map { "\($0.id) (\($0.kind.rawValue), URL from \($0.urlEnvironmentVariable))" }.joined(separator: ", ")
            print("budgets (\(configuration.budgetsPath)): \(book.budgets.count) budgets in \(book.timeZone), channels: \(channels)")
        case let .failure(error): ChargebackCommand.fail("chargeback check: \(error)")
        }
        if let timeZone {
            guard TimeZones.rules(named: timeZone) != nil else { ChargebackCommand.fail("chargeback check: '\(timeZone)' is not an IANA time zone this machine knows") }
            print("time zone \(timeZone): \(TimeZones.file(named: timeZone) ?? "built in")")
        }
        if libcurl {
            do {
                let (path, version) = try CurlHTTPClient.load()
                print("libcurl: \(path) (\(version))")
            } catch {
                ChargebackCommand.fail("chargeback check: \(error)")
            }
        }
    }
}
