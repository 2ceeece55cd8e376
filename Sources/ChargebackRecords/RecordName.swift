/// The names an archive accepts: relative paths of `[A-Za-z0-9._-]` segments, none empty or `.`/`..`,
/// so a name can never leave a folder or a container, and needs no escaping in a URL.
enum RecordName {
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 512 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x2D
                }
        }
    }

    static func check(_ name: String) throws -> String {
        guard isValid(name) else { throw ArchiveError("'\(name)' is not a valid record name") }
        return name
    }
}

/// An archive that could not do what was asked.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
