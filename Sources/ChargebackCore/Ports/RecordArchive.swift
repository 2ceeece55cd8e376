/// Where chargeback records outlive Redis: write-once objects by name (snapshot revisions and the
/// day's export), read back by `chargeback restore`. `ChargebackRecords.FolderArchive` keeps them in
/// a folder, `ChargebackRecords.BlobArchive` in an Azure Blob Storage container, with one layout.
public protocol RecordArchive: Sendable {
    /// Stores `bytes` under `name` if nothing is there yet; an existing object is never overwritten.
    func create(_ name: String, bytes: [UInt8], contentType: String) async throws -> ArchiveWrite
    /// The object's bytes; nil when there is none.
    func read(_ name: String) async throws -> [UInt8]?
    /// The names that start with `prefix`, sorted.
    func names(prefix: String) async throws -> [String]
    /// Where the archive is, for logs and messages (a folder or a container's URL; never a secret).
    var location: String { get }
}

/// What a write-once `create` found.
public enum ArchiveWrite: Sendable, Equatable {
    case created
    /// An object was there with the same bytes: written before (a retried run).
    case alreadyThere
    /// An object was there with other bytes: the archive keeps it, and this is an inconsistency to report.
    case conflict
}
