/// One monthly budget of `config/budgets.json`: a spending limit for a subscription or a cost
/// center, the percentages at which it alerts, and where the alerts go.
public struct Budget: Sendable, Hashable {
    /// What a budget's `target` names.
    public enum Scope: String, Sendable, Hashable, CaseIterable {
        /// An APIM subscription id.
        case subscription
        /// A cost center id of `config/cost-centers.json`.
        case costCenter
    }

    /// `[a-z0-9._-]`, at most 64 characters; part of every alert's once-key.
    public var id: String
    /// Whether `target` is a subscription or a cost center.
    public var scope: Scope
    /// The subscription or cost center id.
    public var target: String
    /// The limit for one calendar month in the budget book's zone.
    public var monthlyAmount: Money
    /// Percentages of `monthlyAmount` (1…1000, strictly ascending) that alert when spend reaches them.
    public var thresholds: [Int]
    /// The percentage the month-end forecast alerts at; nil for no forecast alert.
    public var forecastThreshold: Int?
    /// True when reaching the amount should stop the spending, not only alert (the caller enforces it).
    public var isHardLimit: Bool
    /// Ids of the channels the budget's alerts go to.
    public var channels: [String]

    /// A budget with the book's built-in defaults (validated by `BudgetBook.load`, not here).
    public init(id: String, scope: Scope, target: String, monthlyAmount: Money, thresholds: [Int] = [50, 80, 100],
                forecastThreshold: Int? = 100, isHardLimit: Bool = false, channels: [String] = []) {
        self.id = id
        self.scope = scope
        self.target = target
        self.monthlyAmount = monthlyAmount
        self.thresholds = thresholds
        self.forecastThreshold = forecastThreshold
        self.isHardLimit = isHardLimit
        self.channels = channels
    }

    /// How the scope reads in a sentence: `subscription`, `cost center`.
    var scopeLabel: String {
        switch scope {
        case .subscription: return "subscription"
        case .costCenter: return "cost center"
        }
    }
}
