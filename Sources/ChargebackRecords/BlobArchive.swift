import ChargebackCore
import CurlClient
import FoundationEssentials

/// The record archive in an Azure Blob Storage container, through the Blob service REST API over
/// libcurl, signed in as the Function App's managed identity (a bearer token for
/// `https://storage.azure.com/`). Chosen over a Functions blob output binding: a binding writes one
/// blob per invocation at a path fixed by its pattern, cannot create only-if-absent, and does not
/// exist for `chargeback restore`, which reads the container outside the Functions host.
///
/// Requests follow the Storage REST reference (`BlobRequests`): Put Blob with `If-None-Match: *` (a
/// blob that exists is never overwritten: 409 `BlobAlreadyExists`), Get Blob, List Blobs.
public struct BlobArchive: RecordArchive {
    /// `https://<account>.blob.core.windows.net/<container>`.
    public let containerURL: String
    let token: @Sendable () async throws -> String
    let client: CurlHTTPClient
    let now: @Sendable () -> Date
    public var location: String { containerURL }

    public init(containerURL: String, client: CurlHTTPClient = CurlHTTPClient(), now: @escaping @Sendable () -> Date = { Date() },
                token: @escaping @Sendable () async throws -> String) {
        self.containerURL = containerURL.hasSuffix("/") ? String(containerURL.dropLast()) : containerURL
        self.client = client
        self.now = now
        self.token = token
    }

    var requests: BlobRequests { BlobRequests(containerURL: containerURL) }

    public func create(_ name: String, bytes: [UInt8], contentType: String) async throws -> ArchiveWrite {
        let request = requests.put(try RecordName.check(name), bytes: bytes, contentType: contentType, token: try await token(), date: now())
        let response = try await perform(request, what: "put \(name)")
        switch response.status {
        case 201: return .created
        case 409, 412:
            // 409 BlobAlreadyExists (If-None-Match: *) or a policy that forbids the write: compare.
            guard let existing = try await read(name) else { throw ArchiveError("put \(name): answered \(response.status), and it cannot be read") }
            return existing == bytes ? .alreadyThere : .conflict
        default:
            throw ArchiveError("put \(name): answered \(response.status) \(BlobRequests.errorCode(response) ?? "")")
        }
    }

    public func read(_ name: String) async throws -> [UInt8]? {
        let response = try await perform(requests.get(try RecordName.check(name), token: try await token(), date: now()), what: "get \(name)")
        switch response.status {
        case 200: return response.body
        case 404: return nil
        default: throw ArchiveError("get \(name): answered \(response.status) \(BlobRequests.errorCode(response) ?? "")")
        }
    }

    public func names(prefix: String) async throws -> [String] {
        var names: [String] = []
        var marker: String?
        repeat {
            let request = requests.list(prefix: prefix, marker: marker, token: try await token(), date: now())
            let response = try await perform(request, what: "list \(prefix)")
            guard response.status == 200 else { throw ArchiveError("list \(prefix): answered \(response.status) \(BlobRequests.errorCode(response) ?? "")") }
            let page = try BlobListing.parse(response.body)
            names += page.names
            marker = page.nextMarker
        } while marker != nil
        return names.sorted()
    }

    func perform(_ request: CurlRequest, what: String) async throws -> CurlResponse {
        do {
            return try await client.perform(request)
        } catch {
            throw ArchiveError("\(what) at \(containerURL): \(error)")
        }
    }
}
