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
    /// Who may call what: checked before a function runs, in both delivery modes.
    let keyRoles: KeyRoles

    public init(routePrefix: String, maxBodyBytes: Int, logger: Logger, telemetry: Telemetry, keyRoles: KeyRoles) {
        self.routePrefix = routePrefix
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.telemetry = telemetry
        self.keyRoles = keyRoles
    }

    /// Registers the readiness probe; it answers at once and touches nothing.
    public func addReadiness(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
    }

    /// Registers an HTTP function in both delivery modes.
    public func add<Function: HTTPFunction>(_ function: Function, to router: Router<BasicRequestContext>) {
        for forwardedPath in Self.routerPaths(prefix: routePrefix, route: Function.route) {
            addForwarded(function, path: forwardedPath, to: router)
        }
        router.post(RouterPath("/" + Function.name)) { request, _ in
            let started = ContinuousClock.now
            var invocation = self.context(for: request)
            let answer: FunctionResponse
            do {
                let body = try await self.body(of: request)
                let parsed = try HttpTriggerParser().request(fromInvocation: body, bindingName: "req")
                switch self.keyRoles.caller(of: parsed, for: Function.access) {
                case let .success(caller):
                    invocation.caller = caller
                    if let limit = function.bodyLimit, parsed.body.count > limit.bytes {
                        // The same limit as the forwarded path applies while reading the body.
                        answer = limit.response
                    } else {
                        // The JSON protocol carries one body: a streamed one is read to its end first.
                        answer = Self.privatelyCached(await Self.collected(await Self.answer(function, parsed, invocation)), access: Function.access)
                    }
                case let .failure(denial):
                    self.logDenial(denial, function: Function.name, context: invocation)
                    answer = denial.response
                }
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

    /// Hummingbird paths for a function.json route under the prefix. A trailing catch-all
    /// (`v1/relay/{*rest}`) matches the bare path and any path below it, as ASP.NET's routing does
    /// (a catch-all parameter may be empty).
    static func routerPaths(prefix: String, route: String) -> [String] {
        var segments = ([prefix] + route.split(separator: "/").map(String.init)).filter { !$0.isEmpty }
        guard let last = segments.last, last.hasPrefix("{*"), last.hasSuffix("}") else { return ["/" + segments.joined(separator: "/")] }
        segments.removeLast()
        let bare = "/" + segments.joined(separator: "/")
        return [bare, bare + "/**"]
    }

    /// Registers an HTTP function on one forwarded (or proxied) path.
    func addForwarded<Function: HTTPFunction>(_ function: Function, path: String, to router: Router<BasicRequestContext>) {
        for method in Function.methods {
            router.on(RouterPath(path), method: HTTPRequest.Method(method) ?? .get) { request, context in
                let started = ContinuousClock.now
                var invocation = self.context(for: request)
                // The key is judged from the head alone: an unknown caller's body is never read.
                switch self.keyRoles.caller(of: self.functionRequestHead(of: request), for: Function.access) {
                case let .success(caller): invocation.caller = caller
                case let .failure(denial): return self.denied(denial, function: Function.name, started: started, context: invocation)
                }
                let limit = function.bodyLimit.map { $0.bytes < self.maxBodyBytes ? $0 : self.handlerLimit } ?? self.handlerLimit
                var functionRequest: FunctionRequest
                do {
                    functionRequest = try await self.functionRequest(from: request, limit: limit.bytes)
                } catch {
                    self.completed(limit.response.status, function: Function.name, started: started, context: invocation)
                    return self.response(limit.response)
                }
                for (name, value) in context.parameters { functionRequest.parameters[String(name)] = String(value) }
                let answer = Self.privatelyCached(await Self.answer(function, functionRequest, invocation), access: Function.access)
                self.completed(answer.status, function: Function.name, started: started, context: invocation)
                return self.response(answer)
            }
        }
    }

    /// The function's answer, with its errors mapped to HTTP here, once for every function: a
    /// `FunctionFailure` is answered as it says; anything else is the store's (Redis did not answer,
    /// or answered something unreadable), logged by type, never by content, and answered 503.
    static func answer<Function: HTTPFunction>(_ function: Function, _ request: FunctionRequest, _ context: FunctionContext) async -> FunctionResponse {
        do {
            return try await function.respond(to: request, context: context)
        } catch let failure as FunctionFailure {
            return ErrorBody.response(status: failure.status, code: failure.code, message: failure.message)
        } catch {
            context.logger.error("function failed: the store did not answer", metadata: [
                "function.name": "\(Function.name)", "error.type": "\(type(of: error))",
            ])
            return ErrorBody.response(status: 503, code: "store_unavailable", message: "Redis did not answer; nothing was changed; try again")
        }
    }

    /// A streamed answer read whole; a stream that fails is answered 502 (the upstream broke off).
    static func collected(_ answer: FunctionResponse) async -> FunctionResponse {
        guard answer.streamedBody != nil else { return answer }
        do {
            return try await answer.collected()
        } catch {
            return ErrorBody.response(status: 502, code: "upstream_interrupted", message: "the upstream answer broke off before its end")
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
    /// Ids of calls that came without the host's invocation id (a direct call: tests, `scripts/bench`).
    static let localInvocationIDs = LocalInvocationIDs()

    func context(for request: Request) -> FunctionContext {
        let id = Self.invocationIDField.flatMap { request.headers[$0] } ?? Self.localInvocationIDs.next()
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
        var functionRequest = functionRequestHead(of: request)
        functionRequest.body = try await body(of: request, limit: limit)
        return functionRequest
    }

    /// The request without its body: what the key check reads.
    func functionRequestHead(of request: Request) -> FunctionRequest {
        FunctionRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            query: QueryString.parse(request.uri.query ?? ""),
            headers: (request.head.authority.map { [("Host", $0)] } ?? []) + request.headers.map { ($0.name.rawName, $0.value) })
    }

    /// Answers to keyed callers are never stored by a shared cache (a proxy or CDN between a team
    /// and the app must not hand one cost center's report to another): `private` is added.
    static func privatelyCached(_ answer: FunctionResponse, access: FunctionAccess) -> FunctionResponse {
        guard access != .anonymous else { return answer }
        var answer = answer
        if let index = answer.headers.firstIndex(where: { $0.name.lowercased() == "cache-control" }) {
            let value = answer.headers[index].value
            if !value.lowercased().contains("private") { answer.headers[index].value = "private, " + value }
        } else {
            answer.headers.append(("Cache-Control", "private, no-store"))
        }
        return answer
    }

    /// Answers a refused key: counted, logged with the rule (never the key), 401 or 403.
    func denied(_ denial: AccessDenial, function: String, started: ContinuousClock.Instant, context: FunctionContext) -> Response {
        logDenial(denial, function: function, context: context)
        let answer = denial.response
        completed(answer.status, function: function, started: started, context: context)
        return response(answer)
    }

    func logDenial(_ denial: AccessDenial, function: String, context: FunctionContext) {
        context.logger.warning("key refused", metadata: ["function.name": "\(function)", "access.denial": "\(denial)"])
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
        guard let chunks = answer.streamedBody else {
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        // Written as produced; a client that goes away makes `write` throw: the producer is told.
        let cancelled = answer.streamCancelled
        return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
            do {
                for try await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            } catch {
                cancelled?()
                throw error
            }
        })
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
