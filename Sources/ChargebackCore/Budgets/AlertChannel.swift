/// Where alerts are delivered. The webhook URL is a secret (Teams and Slack URLs embed their token),
/// so the budget book names only the environment variables the application reads it from.
public struct AlertChannel: Sendable, Hashable {
    /// The payload a channel expects.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `AlertPayload.generic`, signed with the channel's secret when it has one.
        case generic
        /// `AlertPayload.teams`: an Adaptive Card for a Teams workflow webhook.
        case teams
        /// `AlertPayload.slack`: Block Kit for a Slack incoming webhook.
        case slack
    }

    /// `[a-z0-9._-]`, at most 64 characters; what budgets and rules list in `channels`.
    public var id: String
    /// The payload the channel expects.
    public var kind: Kind
    /// The environment variable holding the webhook URL.
    public var urlEnvironmentVariable: String
    /// The environment variable holding the signing secret (generic channels only).
    public var secretEnvironmentVariable: String?

    /// A channel as the budget book declares it (validated by `BudgetBook.load`, not here).
    public init(id: String, kind: Kind, urlEnvironmentVariable: String, secretEnvironmentVariable: String? = nil) {
        self.id = id
        self.kind = kind
        self.urlEnvironmentVariable = urlEnvironmentVariable
        self.secretEnvironmentVariable = secretEnvironmentVariable
    }
}
