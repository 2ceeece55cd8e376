import CivilCalendar

/// A provisioned (PTU) deployment's capacity and what an hour of it costs: the price book's
/// `provisioned` entries (docs/price-book.md). Each hour's cost (`ptus` × `perPTUHour`, owed
/// whether used or not) is shared among the subscriptions that used the deployment that hour, in
/// proportion to their utilisation-weighted tokens; the capacity they left unused goes to the
/// owner, or is spread over them too (`unused`).
public struct Provisioning: Sendable, Hashable {
    /// What happens to capacity nobody used.
    public enum Unused: Sendable, Hashable {
        /// To this cost center, on a line of its own (`(unused capacity)`).
        case owner(String)
        /// Spread over the hour's users in proportion to their use; an hour nobody used still goes
        /// to the owner.
        case proRata(owner: String)

        /// Who takes an hour nobody used.
        public var owner: String {
            switch self {
            case let .owner(owner), let .proRata(owner): return owner
            }
        }
    }

    /// The Azure OpenAI deployment (a `deployments` name of the book).
    public var deployment: String
    public var effectiveFrom: CivilDay
    public var effectiveTo: CivilDay?
    /// The label the deployment's lines carry.
    public var version: String
    /// Provisioned throughput units deployed.
    public var ptus: Int64
    /// Micro-units of the book's currency per PTU per hour (a reservation: its monthly price ÷ 730).
    public var microsPerPTUHour: Int64
    /// Utilisation-weighted tokens one PTU serves in an hour at 100 % (for the unused share).
    public var tokensPerPTUHour: Int64
    /// How many input tokens an output token weighs (the model's documented ratio, e.g. 4).
    public var outputTokenWeight: Int64
    public var unused: Unused

    public init(deployment: String, effectiveFrom: CivilDay, effectiveTo: CivilDay?, version: String, ptus: Int64, microsPerPTUHour: Int64,
                tokensPerPTUHour: Int64, outputTokenWeight: Int64, unused: Unused) {
        self.deployment = deployment
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.version = version
        self.ptus = ptus
        self.microsPerPTUHour = microsPerPTUHour
        self.tokensPerPTUHour = tokensPerPTUHour
        self.outputTokenWeight = outputTokenWeight
        self.unused = unused
    }

    /// True when in force on `day`.
    public func isEffective(on day: CivilDay) -> Bool {
        day >= effectiveFrom && (effectiveTo.map { day < $0 } ?? true)
    }

    /// The hour's capacity in millionths of a PTU-hour: what the hour's lines share.
    public var hourQuantity: Int64 { ptus * 1_000_000 }

    /// A subscription's utilisation-weighted tokens in one hour: uncached input (cache writes
    /// included) plus output × the output weight. Cached input is not counted: Azure gives "up to
    /// 100% discount on input tokens for Provisioned deployment types" for cache reads
    /// (learn.microsoft.com/azure/ai-foundry/openai/how-to/prompt-caching); PTU-hours are billed per
    /// PTU per hour (…/how-to/provisioned-throughput-onboarding).
    public func weightedTokens(_ counters: [Counter: Int64]) -> Int64 {
        // In 128 bits, then capped: counters a team inflates must not trap the rollup.
        let input = Int128(max(0, counters[.quantity(.inputTokens)] ?? 0)) + Int128(max(0, counters[.quantity(.cacheWriteInputTokens)] ?? 0))
        let output = Int128(max(0, counters[.quantity(.outputTokens)] ?? 0)) * Int128(outputTokenWeight)
        return Int64(min(Int128(Int64.max / 2), input + output))
    }
}
