import FunctionsProtocol
import Logging

/// What every invocation carries besides its input.
public struct FunctionContext: Sendable {
    /// `X-Azure-Functions-InvocationId`, or a generated id for direct calls.
    public var invocationID: String
    /// A logger whose every line carries `invocation.id`.
    public var logger: Logger
    /// The application's metrics.
    public var telemetry: Telemetry
    /// The role of the key that was presented (checked before `respond` is called).
    public var caller: Caller = .anonymous
}

/// An HTTP-triggered Azure function: one `functions/<name>/function.json`, one conforming type.
public protocol HTTPFunction: Sendable {
    /// The function (folder) name; JSON-protocol invocations arrive on `POST /<name>`.
    static var name: String { get }
    /// The route template without prefix, as in function.json.
    static var route: String { get }
    /// Allowed methods, upper case, as in function.json.
    static var methods: [String] { get }
    /// Which keys may call it; checked by the routes before `respond`, in both delivery modes.
    static var access: FunctionAccess { get }
    /// The function's own body limit, if it is stricter than the handler's.
    var bodyLimit: BodyLimit? { get }
    /// Answers one request. A refusal the function names is thrown as a `FunctionFailure` (its status,
    /// code and message are answered); any other error is the store's, and the routes answer it, once
    /// for every function, as `503 store_unavailable` (`FunctionRoutes.answer`). Body limits are
    /// applied by the routes too, in both delivery modes, before `respond` is called.
    func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse
}

extension HTTPFunction {
    public var bodyLimit: BodyLimit? { nil }
}

/// A request body limit and how exceeding it is answered (413 with a code and the setting named).
public struct BodyLimit: Sendable {
    /// The largest body accepted.
    public var bytes: Int
    /// The error code, e.g. `envelope_too_large`.
    public var code: String
    /// The setting that raises it.
    public var setting: String

    public init(bytes: Int, code: String, setting: String) {
        self.bytes = bytes
        self.code = code
        self.setting = setting
    }

    /// The 413 answer.
    public var response: FunctionResponse {
        ErrorBody.response(status: 413, code: code, message: "the body exceeds \(bytes) bytes (\(setting))")
    }
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
