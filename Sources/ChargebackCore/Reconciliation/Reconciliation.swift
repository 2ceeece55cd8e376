import CivilCalendar

/// The ledger compared with the invoice, per day, model × deployment type (what Azure's cost data
/// can tell apart: it bills the account, not the deployment) and meter, and the differences turned
/// into true-up lines (docs/reconciliation.md).
///
/// The rule, per compared key whose difference (invoice − ledger) exceeds the tolerance:
/// - the difference is shared among the ledger's lines of that key (APIM subscription ×
///   deployment) in proportion to their quantity, exactly to the pico (largest remainder);
/// - a provisioned (PTU) difference is shared by the ledger's PTU-hour lines of the key (the book's
///   `provisioned` entries), or, when the book has none, by all of that day's tokens on deployments
///   of that model and type;
/// - with no ledger usage to share it by (every call bypassed APIM, or a meter the map does not
///   know), it goes to the owner: a configured platform cost center.
public struct Reconciliation: Sendable {
    /// What is compared: a day, a model and deployment type, a meter (`BillingMeter.name`,
    /// `provisioned`, or `unmapped:<Azure meter name>`).
    public struct Key: Sendable, Hashable, Comparable {
        public var day: CivilDay
        public var model: String
        public var deploymentType: String
        public var meter: String

        public init(day: CivilDay, model: String, deploymentType: String, meter: String) {
            self.day = day
            self.model = model
            self.deploymentType = deploymentType
            self.meter = meter
        }

        public static func < (left: Key, right: Key) -> Bool {
            (left.day, left.model, left.deploymentType, left.meter) < (right.day, right.model, right.deploymentType, right.meter)
        }
    }

    /// Why a difference exists, as far as the numbers tell.
    public enum Reason: String, Sendable, Hashable {
        /// The invoice has more of the meter than APIM saw: calls that did not go through APIM.
        case outsideAPIM = "outside-apim"
        /// The ledger has more than the invoice: counted twice, or billed later by Azure.
        case overCounted = "over-counted"
        /// The same quantity at another price: the price book is behind the agreement.
        case priceDrift = "price-drift"
        /// Provisioned throughput, which the ledger does not price.
        case provisioned = "ptu"
        /// A meter the meter map does not know.
        case unmappedMeter = "unmapped-meter"
    }

    /// One compared key.
    public struct Comparison: Sendable {
        public var key: Key
        /// Tokens (or images, milliseconds, characters; millionths of a PTU-hour) the ledger counted.
        public var ledgerQuantity: Int128
        /// What the invoice says, in the same unit; nil when its unit could not be read.
        public var invoiceQuantity: Int128?
        public var ledgerCost: Money
        public var invoiceCost: Money
        /// Ledger lines of the key without a price (their cost is unknown, not zero).
        public var unpricedLines: Int
        /// nil when within the tolerance.
        public var reason: Reason?

        /// invoice − ledger.
        public var difference: Money { invoiceCost - ledgerCost }
    }

    /// A share of a difference, on one subscription and deployment (or the owner's line).
    public struct TrueUp: Sendable, Hashable {
        public var key: Key
        public var reason: Reason
        public var costCenter: String
        public var subscription: String
        /// The deployment; empty on the owner's line.
        public var deployment: String
        public var amount: Money

        public init(key: Key, reason: Reason, costCenter: String, subscription: String, deployment: String, amount: Money) {
            self.key = key
            self.reason = reason
            self.costCenter = costCenter
            self.subscription = subscription
            self.deployment = deployment
            self.amount = amount
        }
    }

    /// Who receives what cannot be shared by use.
    public var owner: String
    /// Differences up to this, per key, are left alone.
    public var tolerance: Money

    public init(owner: String, tolerance: Money) {
        self.owner = owner
        self.tolerance = tolerance
    }

    /// The subscription name the owner's lines carry.
    public static let outsideSubscription = "(outside APIM)"
}
