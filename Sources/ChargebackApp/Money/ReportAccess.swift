import ChargebackCore

/// Who may see what in a report. The routes have already decided the caller's role from its key
/// (`KeyRoles`): a full-access report key sees everything, a cost-center report key only its own
/// cost center. Nothing here reads the key again.
struct ReportAccess {
    let caller: Caller

    /// The cost center a request may see: the caller's scope, or what it asked for. A scoped key
    /// asking for another cost center is refused (403).
    func costCenter(requested: String?) throws(FunctionFailure) -> String? {
        switch caller {
        case .fullReport:
            return requested
        case let .costCenter(scope):
            if let requested, requested != scope {
                throw FunctionFailure(status: 403, code: "forbidden_cost_center", message: "this report key is limited to cost center \(scope)")
            }
            return scope
        case .anonymous, .ingest:
            // Unreachable through the routes (report functions need a report key); refuse anyway.
            throw FunctionFailure(status: 403, code: "forbidden", message: "this key may not read reports")
        }
    }
}
