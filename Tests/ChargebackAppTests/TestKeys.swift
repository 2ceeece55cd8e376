import ChargebackApp
import HTTPTypes

/// The keys the handler tests present, and the configuration that gives them their roles.
enum TestKeys {
    static let ingest = "test-ingest-key"
    static let report = "test-report-key"
    static let keyField = HTTPField.Name("x-functions-key")!

    static var ingestHeaders: HTTPFields { [keyField: ingest] }
    static var reportHeaders: HTTPFields { [keyField: report] }
}

extension Configuration {
    /// Gives the test keys their roles: `TestKeys.ingest` ingests, `TestKeys.report` reads everything.
    mutating func useTestKeys() {
        ingestKeyHashes = [KeyRoles.hash(TestKeys.ingest)]
        reportKeyHashes = [KeyRoles.hash(TestKeys.report)]
    }
}
