/// An outbound HTTP request for `CurlHTTPClient`.
public struct CurlRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// Absolute URL.
    public var url: String
    /// Header fields to send.
    public var headers: [(name: String, value: String)]
    /// Body bytes; sent with a Content-Length when the method is not GET/HEAD.
    public var body: [UInt8]
    /// Whole-transfer timeout.
    public var timeoutMilliseconds: Int
    /// The largest response body `perform` collects; a larger one aborts the transfer (a webhook
    /// receiver or upstream must not grow our memory without bound). Streams are bounded by their reader.
    public var maxResponseBytes: Int

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeoutMilliseconds: Int = 10_000, maxResponseBytes: Int = 16 << 20) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
    }
}

/// What came back.
public struct CurlResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// Response header fields of the final response, names as sent.
    public var headers: [(name: String, value: String)]
    /// Body bytes.
    public var body: [UInt8]

    /// The first value of header `name`, compared without case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A failed transfer: libcurl's code and its message, read where it happened.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// The `CURLcode`.
    public let code: Int
    /// `curl_easy_strerror` text.
    public let message: String

    public var description: String { "curl error \(code): \(message)" }
}
