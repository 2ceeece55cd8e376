import FunctionsProtocol
import Logging

/// What every invocation carries besides its input.
public struct FunctionContext: Sendable {
    /// `X-Azure-Functions-InvocationId`, or a generated id for direct calls.
    public var invocationID: String
    /// A logger whose every line carries `invocation.id`.
    public var logger: Logger
}

/// An HTTP-triggered Azure function: one `functions/<name>/function.json`, one conforming type.
public protocol HTTPFunction: Sendable {
    /// The function (folder) name; JSON-protocol invocations arrive on `POST /<name>`.
    static var name: String { get }
    /// The route template without prefix, as in function.json.
    static var route: String { get }
    /// Allowed methods, upper case, as in function.json.
    static var methods: [String] { get }
    /// Answers one request. Never throws: failures are answered with an error status.
    func respond(to request: FunctionRequest, context: FunctionContext) async -> FunctionResponse
}

/// A timer-triggered Azure function; the host always invokes it through the JSON protocol.
public protocol TimerFunction: Sendable {
    /// The function (folder) name.
    static var name: String { get }
    /// The trigger binding's name in function.json.
    static var bindingName: String { get }
    /// Runs once; returns lines for the invocation's `Logs`. A thrown error fails the run.
    func run(_ timer: TimerInvocation, context: FunctionContext) async throws -> [String]
}
