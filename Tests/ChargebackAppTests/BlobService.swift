import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// A loopback stand-in for one Blob Storage container and the identity endpoint that signs into
/// it, held to the Storage REST reference (see ChargebackRecords/BlobRequests.swift for the pages):
/// every request needs `Authorization: Bearer` with a token the endpoint issued for
/// `https://storage.azure.com/`, `x-ms-version` 2017-11-09 or later and an RFC 1123 `x-ms-date`
/// (else 403 `AuthenticationFailed`); Put Blob needs `x-ms-blob-type: BlockBlob` and, with
/// `If-None-Match: *`, answers 409 `BlobAlreadyExists` for a name that exists (what Azurite and
/// the service do); Get Blob answers 404 `BlobNotFound`; List Blobs answers `EnumerationResults`
/// pages of `pageSize` names with `NextMarker`. The container is time-based-retention immutable:
/// an overwrite without the condition gets 409 `BlobImmutableDueToPolicy`.
final class BlobService: Sendable {
    let container = "records"
    let identitySecret = "identity-\(UUID().uuidString.prefix(8))"
    let pageSize: Int
    let blobs = NIOLockedValueBox<[String: [UInt8]]>([:])
    let tokens = NIOLockedValueBox<Set<String>>([])
    /// Requests refused for their authorization or headers.
    let refusals = NIOLockedValueBox<[String]>([])
    /// When set, every blob request is answered 503 (a storage outage).
    let down = NIOLockedValueBox(false)

    init(pageSize: Int = 2) {
        self.pageSize = pageSize
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/msi/token") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard request.headers[HTTPField.Name("X-IDENTITY-HEADER")!] == self.identitySecret,
                  query.get("resource") == "https://storage.azure.com/", query.get("api-version") == "2019-08-01" else {
                return Response(status: .badRequest)
            }
            let token = "storage-token-\(UUID().uuidString)"
            self.tokens.withLockedValue { _ = $0.insert(token) }
            let expiresOn = Int(Date().timeIntervalSince1970) + 3600
            let body = "{\"access_token\":\"\(token)\",\"expires_on\":\"\(expiresOn)\",\"resource\":\"https://storage.azure.com/\",\"token_type\":\"Bearer\"}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/\(container)") { request, _ in try await self.list(request) }
        router.get("/\(container)/**") { request, _ in try await self.get(request) }
        router.put("/\(container)/**") { request, _ in try await self.put(request) }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func refusal(_ request: Request) -> Response? {
        if down.withLockedValue({ $0 }) { return error(.serviceUnavailable, "ServerBusy") }
        let authorization = request.headers[.authorization] ?? ""
        let token = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        let version = request.headers[HTTPField.Name("x-ms-version")!] ?? ""
        let date = request.headers[HTTPField.Name("x-ms-date")!] ?? ""
        var problems: [String] = []
        if !tokens.withLockedValue({ $0.contains(token) }) { problems.append("bearer token") }
        if version.count != 10 || version < "2017-11-09" { problems.append("x-ms-version '\(version)'") }
        if date.range(of: #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$"#,
                      options: .regularExpression) == nil { problems.append("x-ms-date '\(date)'") }
        guard problems.isEmpty else {
            refusals.withLockedValue { $0.append("\(request.method) \(request.uri.path): \(problems.joined(separator: ", "))") }
            return error(.forbidden, "AuthenticationFailed")
        }
        return nil
    }

    func name(_ request: Request) -> String {
        String(request.uri.path.dropFirst(container.count + 2))
    }

    func put(_ request: Request) async throws -> Response {
        if let refused = refusal(request) { return refused }
        let body = Array(buffer: try await request.body.collect(upTo: 1 << 24))
        guard request.headers[HTTPField.Name("x-ms-blob-type")!] == "BlockBlob" else { return error(.badRequest, "MissingRequiredHeader") }
        guard request.headers[.contentLength] == String(body.count) else { return error(.lengthRequired, "MissingContentLengthHeader") }
        let name = name(request)
        let conditional = request.headers[.ifNoneMatch] == "*"
        let exists = blobs.withLockedValue { blobs in
            if blobs[name] != nil { return true }
            blobs[name] = body
            return false
        }
        if exists { return error(.conflict, conditional ? "BlobAlreadyExists" : "BlobImmutableDueToPolicy") }
        return Response(status: .created, headers: [HTTPField.Name("x-ms-version")!: BlobServiceVersion.answered])
    }

    func get(_ request: Request) async throws -> Response {
        if let refused = refusal(request) { return refused }
        guard let body = blobs.withLockedValue({ $0[name(request)] }) else { return error(.notFound, "BlobNotFound") }
        return Response(status: .ok, headers: [HTTPField.Name("x-ms-blob-type")!: "BlockBlob"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func list(_ request: Request) async throws -> Response {
        if let refused = refusal(request) { return refused }
        let query = request.uri.queryParameters
        guard query.get("restype") == "container", query.get("comp") == "list" else { return error(.badRequest, "InvalidQueryParameterValue") }
        let prefix = query.get("prefix") ?? ""
        let marker = query.get("marker") ?? ""
        let names = blobs.withLockedValue { $0.keys.filter { $0.hasPrefix(prefix) && $0 > marker }.sorted() }
        let page = names.prefix(pageSize)
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"http://127.0.0.1/\" ContainerName=\"\(container)\">"
        xml += "<Prefix>\(escaped(prefix))</Prefix><Marker>\(escaped(marker))</Marker><MaxResults>\(pageSize)</MaxResults><Blobs>"
        for name in page {
            xml += "<Blob><Name>\(escaped(name))</Name><Properties><Content-Length>0</Content-Length><BlobType>BlockBlob</BlobType></Properties><Metadata /></Blob>"
        }
        xml += "</Blobs>"
        xml += names.count > pageSize ? "<NextMarker>\(escaped(page.last ?? ""))</NextMarker>" : "<NextMarker />"
        xml += "</EnumerationResults>"
        return Response(status: .ok, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    func error(_ status: HTTPResponse.Status, _ code: String) -> Response {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>\(code)</Code><Message>\(code)</Message></Error>"
        return Response(status: status, headers: [HTTPField.Name("x-ms-error-code")!: code, .contentType: "application/xml"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Runs `body` with the service live on a loopback port.
    static func serving(pageSize: Int = 2, _ body: @escaping @Sendable (BlobService, Int) async throws -> Void) async throws {
        let service = BlobService(pageSize: pageSize)
        try await service.application().test(.live) { client in
            guard let port = client.port else { throw CancellationError() }
            try await body(service, port)
        }
    }
}

enum BlobServiceVersion {
    static let answered = "2021-12-02"
}
