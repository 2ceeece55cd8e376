import CivilCalendar

/// What a deployment is, for pricing: the price book's `deployments` entry.
public struct DeploymentInfo: Sendable, Hashable {
    public var model: String
    public var modelVersion: String?
    /// `GlobalStandard`, `DataZoneStandard`, `Standard`, `GlobalBatch`, `DataZoneBatch`, a provisioned type…
    public var deploymentType: String
    public var region: String?

    public init(model: String, modelVersion: String? = nil, deploymentType: String, region: String? = nil) {
        self.model = model
        self.modelVersion = modelVersion
        self.deploymentType = deploymentType
        self.region = region
    }
}

/// One version of the prices of a model × deployment type, in force from `effectiveFrom` (included)
/// to `effectiveTo` (excluded) or until further notice. Prices are micro-units of the book's currency.
public struct PriceSet: Sendable, Hashable {
    public var model: String
    public var deploymentType: String
    /// Only for this model version / region when set (more specific sets win).
    public var modelVersion: String?
    public var region: String?
    public var effectiveFrom: CivilDay
    public var effectiveTo: CivilDay?
    /// The label every line priced by this set carries.
    public var version: String
    /// Token meters (per 1M tokens), `audio` (per minute), `characters` (per 1M characters).
    public var prices: [BillingMeter: Int64]
    /// Per image by `size:quality`, `size` or `*`.
    public var imagePrices: [String: Int64]

    /// True when the set is in force on `day`.
    public func isEffective(on day: CivilDay) -> Bool {
        day >= effectiveFrom && (effectiveTo.map { day < $0 } ?? true)
    }

    /// How specific the set is: a model version and a region each make it win over a general set.
    var specificity: Int { (modelVersion == nil ? 0 : 2) + (region == nil ? 0 : 1) }

    /// The micro-units per unit of `meter`, if this set prices it.
    public func micros(for meter: BillingMeter) -> Int64? {
        if case let .image(size, quality) = meter {
            return imagePrices["\(size):\(quality)"] ?? imagePrices[size] ?? imagePrices["*"]
        }
        return prices[meter]
    }
}

/// The price that priced a line: its version, micro-units per unit, and the unit.
public struct LinePrice: Sendable, Hashable {
    public var version: String
    public var micros: Int64
    public var unit: PricingUnit

    public init(version: String, micros: Int64, unit: PricingUnit) {
        self.version = version
        self.micros = micros
        self.unit = unit
    }
}

/// The versioned price book: deployments and the price sets of their models.
public struct PriceBook: Sendable {
    /// ISO 4217 code of every price.
    public var currency: String
    /// A name for people, e.g. `default (illustrative)`.
    public var name: String
    /// True when the prices are examples, not the customer's agreement.
    public var isIllustrative: Bool
    public var deployments: [String: DeploymentInfo]
    public var priceSets: [PriceSet]
    /// Provisioned (PTU) deployments' hourly cost and how it is shared.
    public var provisioned: [Provisioning]
    /// Sets by `model|deploymentType`.
    let index: [String: [PriceSet]]

    public init(currency: String, name: String, isIllustrative: Bool, deployments: [String: DeploymentInfo], priceSets: [PriceSet],
                provisioned: [Provisioning] = []) {
        self.currency = currency
        self.name = name
        self.isIllustrative = isIllustrative
        self.deployments = deployments
        self.priceSets = priceSets
        self.provisioned = provisioned
        self.index = Dictionary(grouping: priceSets) { $0.model + "|" + $0.deploymentType }
    }

    /// The price set in force for `deployment` on `day`, or why there is none.
    public func priceSet(deployment: String, on day: CivilDay) -> Result<PriceSet, Unpriced> {
        guard let info = deployments[deployment] else { return .failure(Unpriced("deployment '\(deployment)' is not in the price book")) }
        let candidates = (index[info.model + "|" + info.deploymentType] ?? []).filter {
            $0.isEffective(on: day) && ($0.modelVersion == nil || $0.modelVersion == info.modelVersion)
                && ($0.region == nil || $0.region == info.region)
        }
        guard let best = candidates.max(by: { $0.specificity < $1.specificity }) else {
            return .failure(Unpriced("no price for \(info.model) \(info.deploymentType) on \(day)"))
        }
        return .success(best)
    }
}

/// Why a line has no price. Its cost is unknown (null), never zero.
public struct Unpriced: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
