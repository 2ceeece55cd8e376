import AzureIdentity
import ChargebackApp
import ChargebackCore
@testable import ChargebackRecords
import CurlClient
import Foundation
import Testing
import TestSupport

/// The Blob Storage archive: its requests against the Storage REST reference, and its work against
/// a loopback container that holds it to that reference (`BlobService`).
@Suite("record archive in Blob Storage")
struct BlobArchiveTests {
    @Test("Put Blob is the reference's request: bearer token, x-ms-version ≥ 2017-11-09, an RFC 1123 x-ms-date, create-only")
    func putRequest() throws {
        // The reference's own date example (Put Blob page): Sun, 25 Sep 2011 22:33:35 GMT.
        #expect(BlobRequests.httpDate(Date(timeIntervalSince1970: 1_316_990_015)) == "Sun, 25 Sep 2011 22:33:35 GMT")
        #expect(BlobRequests.httpDate(Date(timeIntervalSince1970: 1_796_552_130.9)) == "Sun, 06 Dec 2026 10:15:30 GMT")
        let requests = BlobRequests(containerURL: "https://myaccount.blob.core.windows.net/mycontainer")
        let put = requests.put("snapshots/2026/11/29/revision-000001.json", bytes: Array("hello world".utf8), contentType: "application/json",
                               token: "eyJ0eXAiO", date: Date(timeIntervalSince1970: 1_316_990_015))
        #expect(put.method == "PUT")
        #expect(put.url == "https://myaccount.blob.core.windows.net/mycontainer/snapshots/2026/11/29/revision-000001.json")
        let headers = Dictionary(uniqueKeysWithValues: put.headers.map { ($0.name, $0.value) })
        #expect(headers == [
            "Authorization": "Bearer eyJ0eXAiO", "x-ms-version": "2021-12-02", "x-ms-date": "Sun, 25 Sep 2011 22:33:35 GMT",
            "x-ms-blob-type": "BlockBlob", "Content-Type": "application/json", "If-None-Match": "*",
        ])
        #expect(put.body.count == 11)
        let list = requests.list(prefix: "snapshots/2026/11/", marker: "a b&c", token: "t", date: Date())
        #expect(list.url == "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&prefix=snapshots%2F2026%2F11%2F&marker=a%20b%26c")
    }

    @Test("a List Blobs answer of the reference's shape: names with entities decoded, encoded names skipped, NextMarker followed")
    func listing() throws {
        let page = """
        <?xml version="1.0" encoding="utf-8"?>
        <EnumerationResults ServiceEndpoint="http://myaccount.blob.core.windows.net/"  ContainerName="mycontainer">
          <Prefix>snapshots/</Prefix><Marker /><MaxResults>5000</MaxResults>
          <Blobs>
            <Blob><Name>snapshots/2026/11/29/revision-000001.json</Name><VersionId>v</VersionId><IsCurrentVersion>true</IsCurrentVersion>
              <Properties><Content-Length>10</Content-Length></Properties><Metadata /></Blob>
            <Blob><Name>odd &amp; name</Name><Properties /></Blob>
            <Blob><Name Encoded="true">%EF%BF%BE</Name><Properties /></Blob>
          </Blobs>
          <NextMarker>2!72!MDAwMDE0IXNuYXBzaG90cw--</NextMarker>
        </EnumerationResults>
        """
        let parsed = try BlobListing.parse(Array(page.utf8))
        #expect(parsed.names == ["snapshots/2026/11/29/revision-000001.json", "odd & name"])
        #expect(parsed.nextMarker == "2!72!MDAwMDE0IXNuYXBzaG90cw--")
        let last = try BlobListing.parse(Array("<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>".utf8))
        #expect(last == BlobListing(names: [], nextMarker: nil))
        #expect(throws: ArchiveError.self) { try BlobListing.parse(Array("<html>sign in</html>".utf8)) }
        #expect(throws: ArchiveError.self) { try BlobListing.parse(Array("<EnumerationResults><Blobs><Blob><Name>x".utf8)) }
    }

    @Test("through CHARGEBACK_RECORDS and the identity endpoint: create once, never overwrite, read, list page by page")
    func againstTheService() async throws {
        try await BlobService.serving(pageSize: 2) { service, port in
            let configuration = try Configuration.fromEnvironment([
                "FUNCTIONS_CUSTOMHANDLER_PORT": "1", "CHARGEBACK_RECORDS": "http://127.0.0.1:\(port)/records",
                "IDENTITY_ENDPOINT": "http://127.0.0.1:\(port)/msi/token", "IDENTITY_HEADER": service.identitySecret,
            ])
            let archive = try #require(ChargebackApplication.archive(configuration))
            let bytes = Array("{\"revision\":1}".utf8)
            #expect(try await archive.create("snapshots/2026/11/29/revision-000001.json", bytes: bytes, contentType: "application/json") == .created)
            #expect(try await archive.create("snapshots/2026/11/29/revision-000001.json", bytes: bytes, contentType: "application/json") == .alreadyThere)
            #expect(try await archive.create("snapshots/2026/11/29/revision-000001.json", bytes: [1], contentType: "application/json") == .conflict)
            #expect(service.blobs.withLockedValue { $0["snapshots/2026/11/29/revision-000001.json"] } == bytes)
            for day in 1...4 {
                _ = try await archive.create("snapshots/2026/12/0\(day)/revision-000001.json", bytes: [UInt8(day)], contentType: "application/json")
            }
            #expect(try await archive.read("snapshots/2026/12/03/revision-000001.json") == [3])
            #expect(try await archive.read("snapshots/2026/12/09/revision-000001.json") == nil)
            // Five names over three pages of two.
            #expect(try await archive.names(prefix: "snapshots/2026/12/").count == 4)
            #expect(try await archive.names(prefix: "snapshots/").count == 5)
            #expect(service.refusals.withLockedValue { $0 }.isEmpty)
        }
    }

    @Test("a token the service does not accept, or a service that is down, is an error naming the answer; nothing is counted as written")
    func refused() async throws {
        try await BlobService.serving { service, port in
            let stranger = BlobArchive(containerURL: "http://127.0.0.1:\(port)/records") { "not-a-token-it-issued" }
            do {
                _ = try await stranger.create("snapshots/2026/11/29/revision-000001.json", bytes: [1], contentType: "application/json")
                Issue.record("a refused write was reported as done")
            } catch {
                #expect("\(error)".contains("403 AuthenticationFailed"))
            }
            #expect(service.blobs.withLockedValue { $0.isEmpty })
            service.down.withLockedValue { $0 = true }
            await #expect(throws: ArchiveError.self) { _ = try await stranger.names(prefix: "snapshots/") }
        }
    }

    @Test("wipe and restore through the Blob archive: the month report is byte-identical")
    func restoreFromBlob() async throws {
        try await BlobService.serving(pageSize: 3) { service, port in
            let credential = ManagedIdentityCredential(endpoint: "http://127.0.0.1:\(port)/msi/token", secret: service.identitySecret)
            let archive = BlobArchive(containerURL: "http://127.0.0.1:\(port)/records") {
                try await credential.token(for: RecordsSetting.storageResource).token.token
            }
            let scenario = RestoreScenario(harness: MoneyHarness(), archive: archive)
            let result = try await scenario.run { .memory() }
            #expect(result.after == result.before)
            #expect(result.restore.revisionsRestored == 3)
            #expect(result.archived.count == 6)
            #expect(service.refusals.withLockedValue { $0 }.isEmpty)
        }
    }
}
