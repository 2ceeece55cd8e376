import FunctionsProtocol

/// `rollup`: timer, `0 15 0 * * *` (00:15 UTC). Turns a closed day's usage into a priced snapshot.
public struct RollupFunction: TimerFunction {
    public static let name = "rollup"
    public static let bindingName = "timer"

    public init() {}

    /// Not implemented yet: the run fails (HTTP 501) so the host records it as failed, not as done.
    public func run(_ timer: TimerInvocation, context: FunctionContext) async throws -> [String] {
        throw FunctionFailure(status: 501, code: "not_implemented", message: "rollup is not implemented yet; it arrives with the price book and rollup")
    }
}
