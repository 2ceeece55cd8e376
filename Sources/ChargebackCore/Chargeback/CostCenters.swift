import FoundationEssentials

/// Who pays for a subscription: the cost-center file (docs/cost-centers.md). Subscriptions not
/// mapped land in `unassigned`.
public struct CostCenters: Sendable {
    /// The cost center of unmapped subscriptions.
    public static let unassigned = "unassigned"

    /// One cost center.
    public struct Center: Sendable, Hashable {
        public var id: String
        public var name: String
        public var owner: String?
        public var department: String?
        /// SHA-256 (hex, lower case) of the report keys scoped to this cost center.
        public var reportKeyHashes: [String]
    }

    public var centers: [String: Center]
    /// Subscription id → cost center id.
    public var subscriptions: [String: String]

    public init(centers: [String: Center] = [:], subscriptions: [String: String] = [:]) {
        self.centers = centers
        self.subscriptions = subscriptions
    }

    /// True when lines may be charged to `id`: a cost center of the file, `unassigned`, or any id
    /// when no file is loaded (every subscription is `unassigned` then, and nothing is checked).
    public func isKnown(_ id: String) -> Bool {
        centers.isEmpty || centers[id] != nil || id == Self.unassigned
    }

    /// The cost center id of a subscription.
    public func costCenter(of subscription: String) -> String {
        subscriptions[subscription] ?? CostCenters.unassigned
    }

    /// The cost center a report key (by its SHA-256 hex) is scoped to, if any.
    public func scope(ofKeyHash hash: String) -> String? {
        centers.values.first { $0.reportKeyHashes.contains(hash) }?.id
    }

    /// Reads and validates a cost-center file.
    public static func load(json bytes: [UInt8]) throws(ConfigurationFileError) -> CostCenters {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw ConfigurationFileError("cost centers: not valid JSON of the documented shape (\(DecodingErrorText.describe(error)))")
        }
        guard file.schemaVersion == 1 else { throw ConfigurationFileError("cost centers: schemaVersion must be 1") }
        var centers: [String: Center] = [:]
        var hashOwners: [String: String] = [:]
        for (position, entry) in file.costCenters.enumerated() {
            guard !entry.id.isEmpty, entry.id != unassigned, !entry.id.contains("|") else {
                throw ConfigurationFileError("cost centers: costCenters[\(position)]: id '\(entry.id)' is empty, reserved or contains '|'")
            }
            guard centers[entry.id] == nil else { throw ConfigurationFileError("cost centers: cost center '\(entry.id)' appears twice") }
            let hashes = (entry.reportKeySha256 ?? []).map { $0.lowercased() }
            for hash in hashes where hash.count != 64 || !hash.allSatisfy({ $0.isHexDigit }) {
                throw ConfigurationFileError("cost centers: \(entry.id): reportKeySha256 entries must be 64 hex digits (a SHA-256, never the key)")
            }
            for hash in hashes {
                // One key scoped to two cost centers would read both: refuse the file.
                if let other = hashOwners.updateValue(entry.id, forKey: hash), other != entry.id {
                    throw ConfigurationFileError("cost centers: one reportKeySha256 is listed under both '\(other)' and '\(entry.id)'")
                }
            }
            centers[entry.id] = Center(id: entry.id, name: entry.name ?? entry.id, owner: entry.owner, department: entry.department, reportKeyHashes: hashes)
        }
        for (subscription, center) in file.subscriptions ?? [:] where centers[center] == nil {
            throw ConfigurationFileError("cost centers: subscription '\(subscription)' maps to unknown cost center '\(center)'")
        }
        return CostCenters(centers: centers, subscriptions: file.subscriptions ?? [:])
    }

    struct File: Decodable {
        var schemaVersion: Int
        var costCenters: [Entry]
        var subscriptions: [String: String]?

        enum CodingKeys: String, CodingKey {
            case schemaVersion, costCenters, subscriptions
        }
    }

    struct Entry: Decodable {
        var id: String
        var name: String?
        var owner: String?
        var department: String?
        var reportKeySha256: [String]?

        enum CodingKeys: String, CodingKey {
            case id, name, owner, department, reportKeySha256
        }
    }
}
