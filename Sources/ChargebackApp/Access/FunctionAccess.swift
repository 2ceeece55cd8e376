/// Which callers a function admits. The host checks that a key is valid; the handler checks, by the
/// key's SHA-256, that it holds the role the function needs (defence in depth: a host key, the
/// master key or any key we do not know is refused with 403).
public enum FunctionAccess: Sendable, Equatable {
    /// No key (the health probe).
    case anonymous
    /// The ingest key only: what APIM holds (`ingest`, the owner lookup).
    case ingest
    /// A full-access report key, or a cost-center report key (limited to its cost center).
    case report
    /// A full-access report key only (metrics, which are not split by cost center).
    case fullReport
    /// A report key, or the ingest key (the gateway's budget-limit check asks about one subscription
    /// with the only key APIM holds).
    case reportOrGateway
}

/// The role a presented key holds, decided once per request before the function runs.
public enum Caller: Sendable, Equatable {
    /// No key was needed (anonymous function).
    case anonymous
    /// The ingest key.
    case ingest
    /// A full-access report key: every cost center.
    case fullReport
    /// A report key limited to one cost center.
    case costCenter(String)

    /// The cost center the caller is limited to; nil when it sees every one.
    public var costCenterScope: String? {
        if case let .costCenter(id) = self { return id }
        return nil
    }
}
