import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import PlainHTTPClient

/// `enableProxyingHttpRequest: true`: the client's request goes to the handler as a reverse proxy
/// would send it, and the handler's answer streams back as it is written, the way the newer host
/// proxies with YARP (`DefaultHttpProxyService`, `RetryProxyHandler`; ../shared/reference/
/// functions-protocol.md §4.3 and §1.5):
/// - the original path and query, unchanged, on `http://127.0.0.1:<port>`;
/// - every request header but `Host` and the hop-by-hop ones, plus `X-Forwarded-For`,
///   `X-Forwarded-Proto` and `X-Forwarded-Host` (YARP's default transformer) and the host's
///   `X-Azure-Functions-HostVersion`, `X-Azure-Functions-InvocationId`, `x-ms-invocation-id`;
/// - the response body streamed to the client as the handler writes it (an answer whose end came
///   in the same reads as its head is written whole), status and headers as the handler wrote
///   them. The request body is read whole first (within the host's size limit), as in forwarding
///   mode: a handler that answers before reading it (a 413) would otherwise leave the client's
///   upload cut off with a reset, where Kestrel drains it;
/// - an activity timeout (240 s without a byte from the handler ends the exchange), and up to 10
///   connect retries, 50 ms apart growing to 250 ms, while the handler's port refuses.
/// A client that goes away cancels the handler request: the handler sees its connection close.
struct HandlerProxy: Sendable {
    /// A client whose activity timeout is YARP's `ActivityTimeout`: the longest wait for the next bytes.
    let client: PlainHTTPClient
    let state: HandlerState
    let settings: HostSettings

    static let connectAttempts = 10

    /// The proxied exchange; throws `HandlerInvoker.Failure` when the handler cannot be reached.
    func proxy(_ request: Request, body: ByteBuffer, invocationID: String) async throws(HandlerInvoker.Failure) -> Response {
        let target = request.uri.query.map { request.uri.path + "?" + $0 } ?? request.uri.path
        // The handler's port is filled in by `send`, for each attempt.
        var outbound = PlainHTTPRequest(method: HTTPMethod(rawValue: request.method.rawValue), url: target)
        for field in request.headers where !HandlerInvoker.hopByHop.contains(field.name.canonicalName) && !Self.replaced.contains(field.name.canonicalName) {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        // The local host listens on the loopback interface only: every client is 127.0.0.1.
        outbound.headers.add(name: "X-Forwarded-For", value: "127.0.0.1")
        outbound.headers.add(name: "X-Forwarded-Proto", value: "http")
        if let authority = request.head.authority { outbound.headers.add(name: "X-Forwarded-Host", value: authority) }
        outbound.headers.add(name: "X-Azure-Functions-HostVersion", value: settings.hostVersion)
        outbound.headers.add(name: "X-Azure-Functions-InvocationId", value: invocationID)
        outbound.headers.add(name: "x-ms-invocation-id", value: invocationID)
        if body.readableBytes > 0 { outbound.body = body }
        let answer = try await send(outbound, target: target)
        var fields = HTTPFields()
        for header in answer.headers where !HandlerInvoker.hopByHop.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        // An answer that came whole (a small JSON answer: most of them) is written as one buffer,
        // without a task driving a body sequence into the client's connection.
        let body = answer.body.complete.map { ResponseBody(byteBuffer: $0) } ?? ResponseBody(asyncSequence: answer.body)
        return Response(status: .init(code: Int(answer.status.code)), headers: fields, body: body)
    }

    /// Sends, retrying while the connection is refused (the handler restarting, on a new port: read
    /// again each time), never once bytes went out.
    func send(_ request: PlainHTTPRequest, target: String) async throws(HandlerInvoker.Failure) -> PlainHTTPResponse {
        var delay = 50
        for attempt in 1...Self.connectAttempts {
            guard let port = await state.readyPort(waitingUpTo: settings.handlerWaitMilliseconds) else { throw .unavailable }
            var request = request
            request.url = "http://127.0.0.1:\(port)\(target)"
            do {
                return try await client.execute(request)
            } catch PlainHTTPError.connect where attempt < Self.connectAttempts {
                try? await Task.sleep(for: .milliseconds(delay))
            } catch {
                throw .transport("\(error)")
            }
            delay = min(250, delay + 50)
        }
        throw .transport("the handler refused \(Self.connectAttempts) connections")
    }

    /// Headers the proxy sets itself rather than copying.
    static let replaced: Set<String> = ["host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-azure-functions-hostversion",
                                        "x-azure-functions-invocationid", "x-ms-invocation-id"]
}
