import ChargebackCore
import FoundationEssentials

/// Loads the price book and the cost centers named by the configuration. A bad file does not stop
/// the handler (ingest must keep counting); the money functions answer 503 with the reason instead.
public enum PricerLoader {
    /// The pricer, or why the files were refused.
    public static func load(_ configuration: Configuration) -> Result<Pricer, ConfigurationFileError> {
        do throws(ConfigurationFileError) {
            let book = try PriceBook.load(json: try read(configuration.priceBookPath, what: "price book (CHARGEBACK_PRICE_BOOK)"))
            var costCenters = CostCenters()
            if configuration.costCentersPathIsExplicit || FileManager.default.fileExists(atPath: configuration.costCentersPath) {
                costCenters = try CostCenters.load(json: try read(configuration.costCentersPath, what: "cost centers (CHARGEBACK_COST_CENTERS)"))
            }
            return .success(Pricer(book: book, costCenters: costCenters))
        } catch {
            return .failure(error)
        }
    }

    static func read(_ path: String, what: String) throws(ConfigurationFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationFileError("\(what): cannot read '\(path)'")
        }
        return Array(data)
    }
}

/// The money functions' dependencies, or the reason they are unavailable.
public struct MoneyServices: Sendable {
    public let pricer: Result<Pricer, ConfigurationFileError>

    /// The pricer, or a 503 failure naming the bad file.
    func requirePricer() throws(FunctionFailure) -> Pricer {
        switch pricer {
        case let .success(pricer): return pricer
        case let .failure(error):
            throw FunctionFailure(status: 503, code: "pricing_unavailable", message: "the price book or cost centers could not be loaded: \(error)")
        }
    }
}
