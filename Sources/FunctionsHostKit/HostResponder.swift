import Foundation
import HTTPTypes
import FunctionsProtocol
import Hummingbird
import Logging

/// The client-facing side of the local host: `/<prefix>/<route>` to functions (auth, limits, both
/// delivery modes) and `POST /admin/functions/<name>` to run a timer on demand.
struct HostResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let app: FunctionApp
    let settings: HostSettings
    let invoker: HandlerInvoker
    /// Proxying mode (`enableProxyingHttpRequest`): streamed both ways.
    let proxy: HandlerProxy
    let timers: TimerScheduler
    let logger: Logger
    /// host.json's request limits (429 over `maxOutstandingRequests`).
    let throttle: RequestThrottle
    /// Every HTTP function with its parsed route template, parsed once at start.
    let routes: [(function: FunctionMetadata, trigger: FunctionMetadata.HTTPTrigger, template: RouteTemplate)]

    init(app: FunctionApp, settings: HostSettings, invoker: HandlerInvoker, proxy: HandlerProxy, timers: TimerScheduler, logger: Logger) {
        self.app = app
        self.settings = settings
        self.invoker = invoker
        self.proxy = proxy
        self.timers = timers
        self.logger = logger
        self.throttle = RequestThrottle(maxOutstanding: app.host.maxOutstandingRequests, maxConcurrent: app.host.maxConcurrentRequests)
        // function.json routes were validated when the app was loaded.
        self.routes = app.functions.compactMap { function in
            guard case let .http(trigger) = function.trigger, let template = try? RouteTemplate(trigger.route) else { return nil }
            return (function, trigger, template)
        }
    }

    static let keyField = HTTPField.Name("x-functions-key")

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path.lowercased().hasPrefix("/admin/functions/") { return await admin(request, name: String(path.dropFirst("/admin/functions/".count))) }
        if path == "/" { return Self.render(FunctionResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("Functions host (local) is running\n".utf8))) }
        guard let answer = await throttle.run({ await invokeHTTPFunction(request) }) else {
            return Self.render(Self.error(429, "too_busy", "the host holds maxOutstandingRequests (host.json) requests already; retry later", retryAfter: true))
        }
        return answer
    }

    func invokeHTTPFunction(_ request: Request) async -> Response {
        switch await invocation(request) {
        case let .buffered(answer): return Self.render(answer)
        case let .streamed(response): return response
        }
    }

    /// What an invocation gives the client: a whole answer, or a proxied one streaming in.
    enum Answer: Sendable {
        case buffered(FunctionResponse)
        case streamed(Response)
    }

    func invocation(_ request: Request) async -> Answer {
        let prefix = app.host.routePrefix
        var relative = Substring(request.uri.path.dropFirst())
        if !prefix.isEmpty {
            guard relative.lowercased() == prefix.lowercased() || relative.lowercased().hasPrefix(prefix.lowercased() + "/") else {
                return .buffered(Self.error(404, "not_found", "no function serves \(request.uri.path)"))
            }
            relative = relative.dropFirst(prefix.count)
        }
        guard let (function, trigger, parameters) = route(String(relative), method: request.method.rawValue) else {
            return .buffered(Self.error(404, "not_found", "no function serves \(request.method.rawValue) \(request.uri.path)"))
        }
        let presented = Self.keyField.flatMap { request.headers[$0] }
            ?? QueryString.parse(request.uri.query ?? "").first { $0.name.lowercased() == "code" }?.value
        let identity = settings.keys.identify(presented, function: function.name)
        switch trigger.authLevel {
        case .anonymous: break
        case .function where identity != nil: break
        case .admin where identity?.level == "Admin": break
        default: return .buffered(Self.error(401, "unauthorized", "this function needs a valid key in x-functions-key or ?code="))
        }
        let collected: ByteBuffer
        do {
            var mutable = request
            collected = try await mutable.collectBody(upTo: settings.maxBodyBytes)
        } catch {
            return .buffered(Self.error(413, "body_too_large", "the request body exceeds \(settings.maxBodyBytes) bytes"))
        }
        if function.isHTTPInAndOut && app.host.enableProxyingHttpRequest {
            let invocationID = RandomGUID.next()
            do {
                // The collected buffer goes out as it is: no copy of the body on the proxied path.
                let response = try await proxy.proxy(request, body: collected, invocationID: invocationID)
                logger.info("invocation", metadata: [
                    "function.name": "\(function.name)", "invocation.id": "\(invocationID)", "http.status": "\(response.status.code)", "delivery": "proxied",
                ])
                return .streamed(response)
            } catch {
                return .buffered(failed(error, function: function, invocationID: invocationID))
            }
        }
        let body = Array(collected.readableBytesView)
        let functionRequest = FunctionRequest(
            method: request.method.rawValue, path: request.uri.path, query: QueryString.parse(request.uri.query ?? ""),
            headers: Self.headers(of: request),
            parameters: Dictionary(parameters.compactMap { pair in pair.value.map { (pair.name, $0) } }) { $1 }, body: body)
        let invocationID = RandomGUID.next()
        let started = ContinuousClock.now
        let answer = await deliver(functionRequest, to: function, trigger: trigger, parameters: parameters, identity: identity, invocationID: invocationID)
        logger.info("invocation", metadata: [
            "function.name": "\(function.name)", "invocation.id": "\(invocationID)", "http.status": "\(answer.status)",
            "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
        ])
        return .buffered(answer)
    }

    func deliver(
        _ request: FunctionRequest, to function: FunctionMetadata, trigger: FunctionMetadata.HTTPTrigger,
        parameters: [(name: String, value: String?)], identity: (level: String, name: String)?, invocationID: String
    ) async -> FunctionResponse {
        do {
            if function.isHTTPInAndOut && app.host.enableForwardingHttpRequest {
                return try await invoker.forward(request, invocationID: invocationID)
            }
            let host = request.header("Host") ?? "127.0.0.1:\(settings.port)"
            let query = request.query.isEmpty ? "" : "?" + QueryString.encode(request.query)
            let identities = [identity.map { HttpTriggerSerializer.keyIdentity(level: $0.level, keyName: $0.name) } ?? HttpTriggerSerializer.anonymousIdentity]
            let invocation = HttpTriggerSerializer().invocation(
                bindingName: trigger.bindingName, functionName: function.name, request: request, url: "http://\(host)\(request.path)\(query)",
                routeParameters: parameters, identities: identities, utcNow: DotNetDate.format(Date()), randGuid: RandomGUID.next())
            let (result, outputsPresent) = try await invoker.invoke(functionName: function.name, invocation: invocation, invocationID: invocationID)
            for line in result.logs { logger.info("function log", metadata: ["function.name": "\(function.name)", "invocation.id": "\(invocationID)", "log": "\(line)"]) }
            guard let binding = function.httpOutputBinding else { return FunctionResponse(status: 200) }
            return try HttpOutputRenderer().response(for: result, bindingName: binding, outputsPresent: outputsPresent)
        } catch {
            return failed(error, function: function, invocationID: invocationID)
        }
    }

    /// A failed invocation as the client sees it: 503 while the handler is not running, 502 when it
    /// did not answer, 500 otherwise.
    func failed(_ error: any Error, function: FunctionMetadata, invocationID: String) -> FunctionResponse {
        logger.error("invocation failed", metadata: ["function.name": "\(function.name)", "invocation.id": "\(invocationID)", "error": "\(error)"])
        switch error as? HandlerInvoker.Failure {
        case .unavailable: return Self.error(503, "handler_unavailable", "the handler is starting or stopped; retry shortly", retryAfter: true)
        case .transport: return Self.error(502, "handler_failed", "the handler did not answer")
        case .protocolViolation, .failedInvocation, nil: return Self.error(500, "invocation_failed", "the function invocation failed")
        }
    }

    /// The HTTP function whose route and methods match.
    func route(_ relativePath: String, method: String) -> (FunctionMetadata, FunctionMetadata.HTTPTrigger, [(name: String, value: String?)])? {
        for (function, trigger, template) in routes {
            guard trigger.methods?.contains(method.uppercased()) ?? true, let parameters = template.match(relativePath) else { continue }
            return (function, trigger, parameters)
        }
        return nil
    }

    func admin(_ request: Request, name: String) async -> Response {
        guard request.method == .post else { return Self.render(Self.error(405, "method_not_allowed", "use POST")) }
        let presented = Self.keyField.flatMap { request.headers[$0] }
            ?? QueryString.parse(request.uri.query ?? "").first { $0.name.lowercased() == "code" }?.value
        guard settings.keys.identify(presented)?.level == "Admin" else {
            return Self.render(Self.error(401, "unauthorized", "the admin API needs the master key"))
        }
        guard let function = app.function(named: name) else { return Self.render(Self.error(404, "not_found", "no function named \(name)")) }
        guard case .timer = function.trigger else {
            return Self.render(Self.error(400, "not_a_timer", "\(function.name) is HTTP-triggered: call its route instead"))
        }
        let succeeded = await timers.fire(function.name, isPastDue: false, manual: true)
        return Self.render(FunctionResponse(status: succeeded ? 202 : 500))
    }

    /// The client's header fields as sent; HTTPTypes keeps `Host` apart, as the authority.
    static func headers(of request: Request) -> [(name: String, value: String)] {
        let fields = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        guard let authority = request.head.authority else { return fields }
        return [("Host", authority)] + fields
    }

    static func error(_ status: Int, _ code: String, _ message: String, retryAfter: Bool = false) -> FunctionResponse {
        var out = ""
        JSONValue.writeString(message, into: &out)
        var response = FunctionResponse.json(status: status, "{\"error\":{\"code\":\"\(code)\",\"message\":\(out)}}")
        if retryAfter { response.headers.append(("Retry-After", "1")) }
        return response
    }

    static func render(_ answer: FunctionResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
