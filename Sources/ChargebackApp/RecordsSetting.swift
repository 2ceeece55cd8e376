/// Where snapshot records are archived (`CHARGEBACK_RECORDS`): nowhere, a local folder, or an Azure
/// Blob Storage container reached as the app's managed identity.
public enum RecordsSetting: Sendable, Equatable {
    case none
    case folder(String)
    /// `https://<account>.blob.core.windows.net/<container>`; the token comes from the identity
    /// endpoint, as `CHARGEBACK_RECORDS_CLIENT_ID`'s user-assigned identity when set.
    case blob(containerURL: String, identity: Identity)

    public struct Identity: Sendable, Equatable {
        public var endpoint: String
        /// Never logged.
        public var secret: String
        public var clientID: String?
    }

    /// The token audience of Azure Storage.
    public static let storageResource = "https://storage.azure.com/"

    public static func fromEnvironment(_ environment: [String: String]) throws(Configuration.Error) -> RecordsSetting {
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        guard let value = nonEmpty(environment["CHARGEBACK_RECORDS"]) else { return .none }
        guard value.hasPrefix("https://") || value.hasPrefix("http://") else { return .folder(value) }
        let parts = value.dropFirst(value.hasPrefix("https://") ? 8 : 7).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || (parts.count == 3 && parts[2].isEmpty), !parts[0].isEmpty, !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
            // The value is not repeated: a URL can carry a SAS signature.
            throw Configuration.Error(description: "CHARGEBACK_RECORDS (a URL to \(parts.first ?? "")) must be a folder or https://<account>.blob.core.windows.net/<container>, with no query")
        }
        guard value.hasPrefix("https://") || parts[0].hasPrefix("127.0.0.1:") || parts[0].hasPrefix("localhost:") else {
            throw Configuration.Error(description: "CHARGEBACK_RECORDS must use https (plain http only to a loopback test endpoint)")
        }
        guard let endpoint = nonEmpty(environment["IDENTITY_ENDPOINT"]), let secret = nonEmpty(environment["IDENTITY_HEADER"]) else {
            throw Configuration.Error(description: "CHARGEBACK_RECORDS in Blob Storage needs IDENTITY_ENDPOINT and IDENTITY_HEADER: give the Function App a managed identity")
        }
        let url = value.hasSuffix("/") ? String(value.dropLast()) : value
        return .blob(containerURL: url, identity: Identity(endpoint: endpoint, secret: secret, clientID: nonEmpty(environment["CHARGEBACK_RECORDS_CLIENT_ID"])))
    }
}
