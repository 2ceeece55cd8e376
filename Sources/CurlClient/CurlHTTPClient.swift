import FoundationEssentials
import CCurl
import NIOPosix

/// HTTP through libcurl. Each request uses its own easy handle on a `NIOThreadPool` thread,
/// so the blocking transfer never runs on an event loop. libcurl is loaded (`dlopen`) and
/// initialized by the first transfer, not at start: most of the handler's processes never make one.
public final class CurlHTTPClient: Sendable {
    let threadPool: NIOThreadPool

    /// libcurl loaded and `curl_global_init` done, once per process (a static `let` is initialized
    /// once, thread-safely, on first use); a failure is kept and thrown by every transfer.
    private static let library: Result<Void, CurlError> = {
        guard ccurl_load() == 1 else {
            return .failure(CurlError(code: -1, message: "libcurl could not be loaded: \(String(cString: ccurl_load_error()))"))
        }
        let code = ccurl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard code == CURLE_OK else { return .failure(CurlError(code: Int(code.rawValue), message: "curl_global_init failed")) }
        return .success(())
    }()

    public init(threadPool: NIOThreadPool = .singleton) {
        self.threadPool = threadPool
    }

    /// Loads libcurl now (it is otherwise loaded by the first transfer) and says which: its file
    /// and `curl_version()`; throws why it cannot be loaded.
    public static func load() throws -> (path: String, version: String) {
        try library.get()
        return (String(cString: ccurl_loaded_path()), String(cString: ccurl_version()))
    }

    /// Performs `request` and returns the final response.
    public func perform(_ request: CurlRequest) async throws -> CurlResponse {
        try await threadPool.runIfActive { try Self.performBlocking(request) }
    }

    static func performBlocking(_ request: CurlRequest) throws -> CurlResponse {
        let collector = ResponseCollector(maxBytes: request.maxResponseBytes)
        let status = try performBlocking(request, sink: TransferSink(onHeaderLine: collector.headerLine, onBody: collector.bodyBytes))
        return CurlResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// Runs one transfer on the calling thread, feeding `sink`; returns the final status code.
    static func performBlocking(_ request: CurlRequest, sink: TransferSink) throws -> Int {
        try library.get()
        guard let handle = ccurl_easy_init() else { throw CurlError(code: -1, message: "curl_easy_init failed") }
        defer { ccurl_easy_cleanup(handle) }
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { ccurl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = ccurl_slist_append(headerList, "\(name): \(value)") }
        headerList = ccurl_slist_append(headerList, "Expect:")

        try check(ccurl_setopt_pointer(handle, CURLOPT_URL, request.url))
        try check(ccurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList))
        try check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds))
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        // Only HTTP(S), and redirects (never followed by default) could not switch scheme either:
        // a configured URL can never make us read a file:// or talk gopher:// or smtp://.
        try check(ccurl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(ccurl_setopt_pointer(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        try check(ccurl_setopt_write(handle, CURLOPT_WRITEFUNCTION, TransferSink.bodyCallback))
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
        try check(ccurl_setopt_write(handle, CURLOPT_HEADERFUNCTION, TransferSink.headerCallback))
        try check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque()))

        let method = request.method.uppercased()
        let code: CURLcode = try request.body.withUnsafeBytes { body in
            switch method {
            case "GET": try check(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1))
            case "HEAD": try check(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1))
            default:
                try check(ccurl_setopt_long(handle, CURLOPT_POST, 1))
                try check(ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                try check(ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(unmanaged.toOpaque())))
                if method != "POST" { try check(ccurl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, method)) }
            }
            return ccurl_easy_perform(handle)
        }
        try check(code)
        var status = 0
        try check(ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status))
        return status
    }

    /// The checking funnel: a non-OK code becomes a thrown error with curl's own text, read at once.
    static func check(_ code: CURLcode) throws {
        guard code != CURLE_OK else { return }
        throw CurlError(code: Int(code.rawValue), message: String(cString: ccurl_easy_strerror(code)))
    }
}

/// Receives one transfer's header lines and body bytes on the transfer's thread; a callback that
/// returns false aborts the transfer.
final class TransferSink {
    let onHeaderLine: (String) -> Bool
    let onBody: (UnsafeRawBufferPointer) -> Bool

    init(onHeaderLine: @escaping (String) -> Bool, onBody: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.onHeaderLine = onHeaderLine
        self.onBody = onBody
    }

    static let bodyCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<TransferSink>.fromOpaque(context).takeUnretainedValue()
        return sink.onBody(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
    }

    static let headerCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<TransferSink>.fromOpaque(context).takeUnretainedValue()
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
        return sink.onHeaderLine(line) ? size * count : 0
    }
}

/// Collects a whole response (the non-streaming `perform`).
final class ResponseCollector {
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    /// Past this many body bytes the transfer is aborted (`CURLE_WRITE_ERROR`).
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func headerLine(_ line: String) -> Bool {
        switch HeaderLine(line) {
        case .status: headers.removeAll()
        case let .field(name, value): headers.append((name, value))
        case .end, .other: break
        }
        return true
    }

    func bodyBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= maxBytes else { return false }
        body.append(contentsOf: bytes)
        return true
    }
}

/// One raw header line as libcurl hands it over.
enum HeaderLine {
    case status(Int)
    case field(String, String)
    case end
    case other

    init(_ line: String) {
        if line.hasPrefix("HTTP/") {
            self = .status(line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0)
        } else if line == "\r\n" || line == "\n" {
            self = .end
        } else if let colon = line.firstIndex(of: ":") {
            self = .field(String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces))
        } else {
            self = .other
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs, CR and LF (an HTTP field value's padding).
    var trimmingSpaces: Substring {
        let isPadding: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isPadding($0) }), let last = lastIndex(where: { !isPadding($0) }) else { return "" }
        return self[first...last]
    }
}
