import ChargebackCore
import Crypto
import FunctionsProtocol

/// Who may see what in a report. The host admits only callers with a key (authLevel `function`);
/// the function key sees everything, and a report key scoped to a cost center (registered as a
/// function key and listed in the cost-center file by its SHA-256) sees only that cost center.
struct ReportAccess {
    let costCenters: CostCenters

    /// The cost center the caller's key is limited to; nil when it sees everything.
    func scope(of request: FunctionRequest) -> String? {
        guard let key = request.header("x-functions-key") ?? request.queryValue("code"), !key.isEmpty else { return nil }
        let digest = SHA256.hash(data: Array(key.utf8))
        let hex = digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return costCenters.scope(ofKeyHash: hex)
    }

    /// The cost center a request may see: its scope, or what it asked for. A scoped key asking for
    /// another cost center is refused (403).
    func costCenter(requested: String?, request: FunctionRequest) throws(FunctionFailure) -> String? {
        guard let scope = scope(of: request) else { return requested }
        if let requested, requested != scope {
            throw FunctionFailure(status: 403, code: "forbidden_cost_center", message: "this report key is limited to cost center \(scope)")
        }
        return scope
    }
}
