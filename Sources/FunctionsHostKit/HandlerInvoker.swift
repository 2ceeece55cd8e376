import Foundation
import FunctionsProtocol
import NIOCore
import NIOHTTP1
import PlainHTTPClient

/// Sends invocations to the handler the two ways the real host does: raw forwarding of the client's
/// request, or a `POST /<FunctionName>` JSON-protocol invocation with a chunked body.
struct HandlerInvoker: Sendable {
    let client: PlainHTTPClient
    let state: HandlerState
    let settings: HostSettings
    let functionTimeoutSeconds: Int?

    /// Why an invocation did not produce a handler answer.
    enum Failure: Error, CustomStringConvertible {
        /// The handler is starting, restarting or stopped.
        case unavailable
        /// The connection failed mid-invocation.
        case transport(String)
        /// The handler answered non-2xx: the invocation failed.
        case failedInvocation(status: Int)
        /// The handler answered outside the protocol.
        case protocolViolation(String)

        var description: String {
            switch self {
            case .unavailable: return "the handler is not running"
            case let .transport(reason): return "the handler connection failed: \(reason)"
            case let .failedInvocation(status): return "the invocation failed (the handler answered \(status))"
            case let .protocolViolation(reason): return "the handler broke the custom-handler protocol: \(reason)"
            }
        }
    }

    static let hopByHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade", "proxy-connection",
                                        "proxy-authorization", "proxy-authenticate"]
    static let maxResponseBytes = 256 * 1024 * 1024

    var timeout: TimeAmount { .seconds(Int64((functionTimeoutSeconds ?? 86_400 * 365) + 60)) }

    /// Forwarding mode: the original method, path (with prefix), re-encoded query, headers and body.
    func forward(_ request: FunctionRequest, invocationID: String) async throws(Failure) -> FunctionResponse {
        let port = try await readyPort()
        var url = "http://127.0.0.1:\(port)\(request.path)"
        if !request.query.isEmpty {
            let collapsed = HttpTriggerSerializer().grouped(request.query).map { ($0.name, $0.values.joined(separator: ",")) }
            url += "?" + QueryString.encode(collapsed)
        }
        var outbound = PlainHTTPRequest(method: HTTPMethod(rawValue: request.method), url: url)
        var sawUserAgent = false
        for (name, value) in request.headers where !Self.hopByHop.contains(name.lowercased()) {
            if name.lowercased() == "user-agent" {
                sawUserAgent = true
                outbound.headers.add(name: name, value: value + " Azure-Functions-Host/" + settings.hostVersion)
            } else {
                outbound.headers.add(name: name, value: value)
            }
        }
        if !sawUserAgent { outbound.headers.add(name: "User-Agent", value: "Azure-Functions-Host/" + settings.hostVersion) }
        addHostHeaders(&outbound, invocationID: invocationID)
        if let length = request.header("Content-Length").flatMap(Int.init), length > 0 {
            outbound.body = ByteBuffer(bytes: request.body)
        }
        return try await execute(outbound)
    }

    /// JSON protocol: `POST /<FunctionName>`, chunked compact JSON, and the protocol's checks on the answer.
    func invoke(functionName: String, invocation: JSONValue, invocationID: String) async throws(Failure) -> (InvocationResult, outputsPresent: Bool) {
        let port = try await readyPort()
        var outbound = PlainHTTPRequest(method: .POST, url: "http://127.0.0.1:\(port)/\(functionName)")
        addHostHeaders(&outbound, invocationID: invocationID)
        outbound.headers.add(name: "User-Agent", value: "Azure-Functions-Host/" + settings.hostVersion)
        outbound.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        outbound.body = ByteBuffer(string: invocation.compactText)
        outbound.chunked = true
        let answer = try await execute(outbound)
        guard (200..<300).contains(answer.status) else {
            throw .failedInvocation(status: answer.status)
        }
        let contentType = (answer.header("Content-Type") ?? "").lowercased()
        guard contentType.hasPrefix("application/json") || contentType.hasPrefix("text/json") else {
            throw .protocolViolation("Content-Type '\(contentType)' is not application/json")
        }
        do {
            let result = try InvocationResult.parse(answer.body)
            let document = try? JSONValue.parse(answer.body)
            let outputs = document?.member(caseInsensitive: "Outputs")
            return (result, outputs != nil && outputs?.isNull == false)
        } catch {
            throw .protocolViolation("\(error)")
        }
    }

    func readyPort() async throws(Failure) -> Int {
        guard let port = await state.readyPort(waitingUpTo: settings.handlerWaitMilliseconds) else { throw .unavailable }
        return port
    }

    func addHostHeaders(_ request: inout PlainHTTPRequest, invocationID: String) {
        request.headers.add(name: "X-Azure-Functions-HostVersion", value: settings.hostVersion)
        request.headers.add(name: "X-Azure-Functions-InvocationId", value: invocationID)
    }

    func execute(_ request: PlainHTTPRequest) async throws(Failure) -> FunctionResponse {
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            let headers = response.headers.filter { !Self.hopByHop.contains($0.name.lowercased()) }.map { ($0.name, $0.value) }
            return FunctionResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
        } catch {
            throw .transport("\(error)")
        }
    }
}
