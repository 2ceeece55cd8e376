import FoundationEssentials
import HTTPTypes
import FunctionsProtocol
import Hummingbird
import Logging

/// Serves the custom-handler protocol on a Hummingbird router: `GET /` for readiness, every HTTP
/// function on its forwarded path `/<prefix>/<route>` and on `POST /<name>` (JSON protocol), and every
/// timer function on `POST /<name>`.
public struct FunctionRoutes: Sendable {
    let routePrefix: String
    let maxBodyBytes: Int
    let logger: Logger
    let telemetry: Telemetry

    public init(routePrefix: String, maxBodyBytes: Int, logger: Logger, telemetry: Telemetry) {
        self.routePrefix = routePrefix
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.telemetry = telemetry
    }

    /// Registers the readiness probe; it answers at once and touches nothing.
    public func addReadiness(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
    }

    /// Registers an HTTP function in both delivery modes.
    public func add<Function: HTTPFunction>(_ function: Function, to router: Router<BasicRequestContext>) {
        let forwardedPath = "/" + [routePrefix, Function.route].filter { !$0.isEmpty }.joined(separator: "/")
        for method in Function.methods {
            router.on(RouterPath(forwardedPath), method: HTTPRequest.Method(method) ?? .get) { request, context in
                let started = ContinuousClock.now
                let invocation = self.context(for: request)
                let limit = function.bodyLimit.map { $0.bytes < self.maxBodyBytes ? $0 : self.handlerLimit } ?? self.handlerLimit
                var functionRequest: FunctionRequest
                do {
                    functionRequest = try await self.functionRequest(from: request, limit: limit.bytes)
                } catch {
                    self.completed(limit.response.status, function: Function.name, started: started, context: invocation)
                    return self.response(limit.response)
                }
                for (name, value) in context.parameters { functionRequest.parameters[String(name)] = String(value) }
                let answer = await function.respond(to: functionRequest, context: invocation)
                self.completed(answer.status, function: Function.name, started: started, context: invocation)
                return self.response(answer)
            }
        }
        router.post(RouterPath("/" + Function.name)) { request, _ in
            let started = ContinuousClock.now
            let invocation = self.context(for: request)
            let answer: FunctionResponse
            do {
                let body = try await self.body(of: request)
                let parsed = try HttpTriggerParser().request(fromInvocation: body, bindingName: "req")
                answer = await function.respond(to: parsed, context: invocation)
            } catch let error as InvocationError {
                invocation.logger.warning("invocation refused", metadata: ["error.reason": "\(error)"])
                return self.response(ErrorBody.response(status: 400, code: "invalid_invocation", message: "not a custom-handler invocation: \(error)"))
            } catch {
                self.completed(self.handlerLimit.response.status, function: Function.name, started: started, context: invocation)
                return self.response(self.handlerLimit.response)
            }
            self.completed(answer.status, function: Function.name, started: started, context: invocation)
            return self.invocationResponse(InvocationResult(httpOutput: "res", response: answer))
        }
    }

    /// Registers a timer function on `POST /<name>`.
    public func add<Function: TimerFunction>(timer function: Function, to router: Router<BasicRequestContext>) {
        router.post(RouterPath("/" + Function.name)) { request, _ in
            let started = ContinuousClock.now
            let invocation = self.context(for: request)
            var status = 500
            defer { self.telemetry.invocation(function: Function.name, status: status, nanoseconds: Self.nanoseconds(since: started)) }
            do {
                let body = try await self.body(of: request)
                let timer = try TimerInvocation.parse(body, bindingName: Function.bindingName)
                let logs = try await function.run(timer, context: invocation)
                invocation.logger.info("timer run completed", metadata: ["function.name": "\(Function.name)"])
                status = 200
                return self.invocationResponse(InvocationResult(logs: logs))
            } catch let error as InvocationError {
                status = 400
                return self.response(ErrorBody.response(status: 400, code: "invalid_invocation", message: "not a timer invocation: \(error)"))
            } catch let error as FunctionFailure {
                status = error.status
                invocation.logger.error("timer run failed", metadata: ["function.name": "\(Function.name)", "error.code": "\(error.code)"])
                return self.response(ErrorBody.response(status: error.status, code: error.code, message: error.message))
            } catch {
                invocation.logger.error("timer run failed", metadata: ["function.name": "\(Function.name)"])
                return self.response(ErrorBody.response(status: 500, code: "timer_failed", message: "the run failed; see the handler log"))
            }
        }
    }

    static let invocationIDField = HTTPField.Name("X-Azure-Functions-InvocationId")

    func context(for request: Request) -> FunctionContext {
        let id = Self.invocationIDField.flatMap { request.headers[$0] } ?? UUID().uuidString.lowercased()
        var logger = self.logger
        logger[metadataKey: "invocation.id"] = "\(id)"
        return FunctionContext(invocationID: id, logger: logger, telemetry: telemetry)
    }

    /// The request body as bytes, read straight into one array sized from `Content-Length` when
    /// given (no intermediate buffer that doubles as it grows: a 16 MB envelope costs 16 MB here).
    func body(of request: Request, limit: Int? = nil) async throws -> [UInt8] {
        let maximum = limit ?? maxBodyBytes
        var bytes: [UInt8] = []
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }) {
            guard declared <= maximum else { throw BodyTooLarge() }
            bytes.reserveCapacity(declared)
        }
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= maximum else { throw BodyTooLarge() }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// A body over its limit (answered with the limit's 413).
    struct BodyTooLarge: Error {}

    func functionRequest(from request: Request, limit: Int) async throws -> FunctionRequest {
        FunctionRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: QueryString.parse(request.uri.query ?? ""),
            headers: (request.head.authority.map { [("Host", $0)] } ?? []) + request.headers.map { ($0.name.rawName, $0.value) },
            body: try await body(of: request, limit: limit))
    }

    /// The handler-wide limit (`CHARGEBACK_MAX_BODY_BYTES`).
    var handlerLimit: BodyLimit {
        BodyLimit(bytes: maxBodyBytes, code: "body_too_large", setting: "CHARGEBACK_MAX_BODY_BYTES")
    }

    /// Counts and times an HTTP invocation, and logs it.
    func completed(_ status: Int, function: String, started: ContinuousClock.Instant, context: FunctionContext) {
        telemetry.invocation(function: function, status: status, nanoseconds: Self.nanoseconds(since: started))
        logCompletion(status, function: function, context: context)
    }

    static func nanoseconds(since started: ContinuousClock.Instant) -> Int64 {
        let elapsed = (ContinuousClock.now - started).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

    /// One line per failed invocation at info; successes at debug (functions log their own outcome).
    func logCompletion(_ status: Int, function: String, context: FunctionContext) {
        context.logger.log(level: status >= 400 ? .info : .debug, "invocation completed",
                           metadata: ["function.name": "\(function)", "http.status": "\(status)"])
    }

    /// A JSON-protocol answer: always 200, `application/json`, never an empty body.
    func invocationResponse(_ result: InvocationResult) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: result.json.compactText)))
    }

    func response(_ answer: FunctionResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// A function's own failure, with the status and code to answer; the message is ours, never payload text.
public struct FunctionFailure: Error, Sendable {
    /// HTTP status.
    public var status: Int
    /// Machine-readable code.
    public var code: String
    /// A sentence for people.
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}
