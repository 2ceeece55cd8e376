/// A message about spend or service health, ready for `AlertPayload` to render for a channel.
/// Amounts are text already rounded for people; an alert never carries a prompt, a completion or a key.
public struct Alert: Sendable, Hashable {
    /// What raised the alert.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Month-to-date spend reached one of a budget's thresholds.
        case budgetThreshold
        /// The linear month-end forecast reached a budget's forecast threshold.
        case budgetForecast
        /// A subscription's day cost far above its trailing median.
        case costAnomaly
        /// The share of failed requests in an hour above the configured rate.
        case errorRate
        /// The Azure invoice and the ledger differ by more than the allowed share (`chargeback reconcile`).
        case reconciliationDrift
    }

    /// How urgent the alert is.
    public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
        /// Worth knowing: an early budget threshold.
        case info
        /// Worth acting on: 80 % of a budget, a forecast over, an anomaly, an error rate.
        case warning
        /// A budget reached or exceeded.
        case critical

        /// `info` < `warning` < `critical`.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .info: return 0
            case .warning: return 1
            case .critical: return 2
            }
        }

        /// A budget threshold's severity: `critical` from 100 %, `warning` from 80 %, `info` below.
        public init(threshold percent: Int) {
            self = percent >= 100 ? .critical : percent >= 80 ? .warning : .info
        }
    }

    /// One named value shown with the alert.
    public struct Fact: Sendable, Hashable {
        /// Stable camel-case name: the member name in the generic payload (`budgetAmount`).
        public var key: String
        /// What people read in Teams and Slack (`Budget amount`).
        public var label: String
        /// The value as shown, amounts with their currency (`412.00 USD`).
        public var value: String

        /// A fact named `key` for machines and `label` for people.
        public init(key: String, label: String, value: String) {
            self.key = key
            self.label = label
            self.value = value
        }
    }

    /// What raised the alert.
    public var kind: Kind
    /// How urgent it is; Teams colours the title by it.
    public var severity: Severity
    /// One line: `Budget 'marketing' at 82.4 % (threshold 80 %)`.
    public var title: String
    /// One sentence saying what happened and against what.
    public var summary: String
    /// The figures behind the alert, in display order.
    public var facts: [Fact]
    /// Identifies the event, so each is sent once (see `AlertCandidate`).
    public var onceKey: String

    /// An alert with all its parts; checks build these, tests and callers may too.
    public init(kind: Kind, severity: Severity, title: String, summary: String, facts: [Fact], onceKey: String) {
        self.kind = kind
        self.severity = severity
        self.title = title
        self.summary = summary
        self.facts = facts
        self.onceKey = onceKey
    }

    /// An amount as alerts show it: two decimals, half to even, then the currency (`412.00 USD`).
    static func amountText(_ money: Money, currency: String) -> String {
        money.text(decimals: 2) + " " + currency
    }
}
