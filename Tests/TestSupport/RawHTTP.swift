import Foundation

/// Sends exact wire bytes over a TCP socket and reads one HTTP/1.1 response: for replaying the
/// `.http` fixtures (chunked bodies, headers as the host writes them) against a live server.
public enum RawHTTP {
    /// A parsed response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Turns an `.http` fixture into wire bytes: the leading `#` comment lines (LF) are dropped; the rest
    /// is already CRLF wire bytes. `PORT` is replaced and the request target passed through `path`.
    public static func wireBytes(fromFixture text: String, port: Int, path: (String) -> String = { $0 }) -> [UInt8] {
        var bytes = Array(text.utf8)[...]
        while bytes.first == UInt8(ascii: "#"), let newline = bytes.firstIndex(of: 10) {
            bytes = bytes[(newline + 1)...]
        }
        var wire = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "PORT", with: String(port))
        if let lineEnd = wire.range(of: "\r\n") {
            let parts = wire[..<lineEnd.lowerBound].split(separator: " ", maxSplits: 2).map(String.init)
            if parts.count == 3 { wire.replaceSubrange(..<lineEnd.lowerBound, with: parts[0] + " " + path(parts[1]) + " " + parts[2]) }
        }
        return Array(wire.utf8)
    }

    /// Sends `bytes` to 127.0.0.1:`port` and reads one response (Content-Length or chunked).
    /// The blocking socket work runs on a Dispatch thread, never on the cooperative pool the server needs.
    public static func exchange(port: Int, bytes: [UInt8]) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingExchange(port: port, bytes: bytes) })
            }
        }
    }

    static func blockingExchange(port: Int, bytes: [UInt8]) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to \(port) failed") }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "send failed") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let response = parse(received) { return response }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "connection closed before a whole response (\(received.count) bytes)") }
            received += buffer[..<count]
        }
    }

    static func parse(_ bytes: [UInt8]) -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = Response(status: status, headers: headers, body: [])
        let rest = Array(bytes[(end + 4)...])
        if let length = response.header("Content-Length").flatMap(Int.init) {
            guard rest.count >= length else { return nil }
            response.body = Array(rest[..<length])
            return response
        }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            guard let body = dechunk(rest) else { return nil }
            response.body = body
            return response
        }
        return response
    }

    /// Decodes a complete chunked body; nil while incomplete.
    public static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var body: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            index = lineEnd + 2
            if size == 0 { return body }
            guard index + size + 2 <= bytes.count else { return nil }
            body += bytes[index..<(index + size)]
            index += size + 2
        }
    }
}
