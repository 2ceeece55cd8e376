import FoundationEssentials

/// Which price book meter an Azure meter is: Azure names its Azure OpenAI meters inconsistently
/// across model families (`gpt-4o-1120-cchd-Inp-glbl Tokens`, `gpt 4.1 cached Inp glbl Tokens`,
/// `5 cd inp Gl 1M Tokens`), so the mapping is an explicit file (`config/retail-meter-map*.json`,
/// the same file `scripts/price-book-from-retail.py` reads; docs/price-book.md).
public struct InvoiceMeterMap: Sendable {
    /// What an Azure meter bills.
    public struct Target: Sendable, Hashable, Decodable {
        public var model: String
        public var deploymentType: String
        /// A `BillingMeter` name (`input`, `cachedInput`, `output`…).
        public var meter: String

        public init(model: String, deploymentType: String, meter: String) {
            self.model = model
            self.deploymentType = deploymentType
            self.meter = meter
        }
    }

    /// By Azure meter name, compared without case.
    let targets: [String: Target]

    public init(_ meters: [String: Target]) {
        targets = Dictionary(meters.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The target of an Azure meter name; nil when the map does not know it.
    public func target(of meterName: String) -> Target? { targets[meterName.lowercased()] }

    struct File: Decodable {
        var meters: [String: Target]
    }

    /// Reads and checks a map file: every target names a deployment type Azure offers and a meter
    /// the price book knows.
    public static func load(json bytes: [UInt8]) throws(ConfigurationFileError) -> InvoiceMeterMap {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw ConfigurationFileError("meter map: not valid JSON of the documented shape (\(DecodingErrorText.describe(error)))")
        }
        let lowered = Dictionary(grouping: file.meters.keys) { $0.lowercased() }
        if let twice = lowered.values.first(where: { $0.count > 1 }) {
            throw ConfigurationFileError("meter map: \(twice.sorted().joined(separator: " and ")) differ only in case (Azure meter names are compared without case)")
        }
        for (name, target) in file.meters.sorted(by: { $0.key < $1.key }) {
            guard !target.model.isEmpty else { throw ConfigurationFileError("meter map: meters.\(name): model is empty") }
            guard PriceBook.deploymentTypes.contains(target.deploymentType) else {
                throw ConfigurationFileError("meter map: meters.\(name): unknown deploymentType '\(target.deploymentType)'")
            }
            guard BillingMeter(name: target.meter) != nil || target.meter == "provisioned" else {
                throw ConfigurationFileError("meter map: meters.\(name): unknown meter '\(target.meter)'")
            }
        }
        return InvoiceMeterMap(file.meters)
    }
}
