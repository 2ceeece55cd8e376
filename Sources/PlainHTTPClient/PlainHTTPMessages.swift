import NIOCore
import NIOHTTP1

/// A request to a plain-HTTP server on this machine or network (the handler behind the local host,
/// the twin, ingest): `http://host:port/path?query`; TLS is not spoken (`https` is refused).
public struct PlainHTTPRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer?
    /// Sends the body with `Transfer-Encoding: chunked` instead of `Content-Length` (the Functions
    /// host sends its JSON-protocol invocations that way).
    public var chunked: Bool

    public init(method: HTTPMethod = .GET, url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, chunked: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.chunked = chunked
    }
}

/// The answer's head, and its body as it arrives.
public struct PlainHTTPResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    public let body: PlainHTTPBody
}

/// Why an exchange failed.
public enum PlainHTTPError: Error, Equatable, CustomStringConvertible {
    /// Not an `http://host[:port]/…` URL.
    case invalidURL(String)
    /// No connection was made (refused, unreachable, or the connect timeout): nothing was sent.
    case connect(String)
    /// The deadline passed, or no byte of the answer came within the activity timeout.
    case timedOut
    /// The server closed the connection before the answer was complete.
    case connectionClosed
    /// The body is longer than the caller's limit.
    case bodyTooLarge(limit: Int)
    /// A pooled connection was found closed before the request went out (retried on a new one).
    case notSent

    public var description: String {
        switch self {
        case let .invalidURL(url): return "not a plain http:// URL: \(url)"
        case let .connect(reason): return "could not connect: \(reason)"
        case .timedOut: return "no answer in time"
        case .connectionClosed: return "the server closed the connection before its answer was complete"
        case let .bodyTooLarge(limit): return "the answer's body exceeds \(limit) bytes"
        case .notSent: return "the connection closed before the request was sent"
        }
    }
}

/// `http://host[:port]` and the request target (`/path?query`) of a URL.
struct Origin: Hashable, Sendable {
    var host: String
    var port: Int

    static func split(_ url: String) throws(PlainHTTPError) -> (Origin, target: String) {
        guard url.lowercased().hasPrefix("http://") else { throw .invalidURL(url) }
        // A fragment is the client's own: never sent.
        let rest = url.dropFirst("http://".count).prefix { $0 != "#" }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        var target = String(rest[slash...])
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        var host = Substring(authority), port = 80
        if authority.hasPrefix("[") {
            // An IPv6 literal: [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { throw .invalidURL(url) }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]) else { throw .invalidURL(url) }
            host = authority[..<colon]
            port = number
        }
        guard !host.isEmpty, (1...65_535).contains(port), !host.contains("@") else { throw .invalidURL(url) }
        return (Origin(host: String(host), port: port), target)
    }

    /// The `Host` header's value.
    var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }
}
