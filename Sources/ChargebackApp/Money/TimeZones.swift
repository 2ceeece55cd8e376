import CivilCalendar
import FoundationEssentials
import NIOConcurrencyHelpers

/// IANA time zones by name, from TZif files: `$TZDIR`, then `zoneinfo/` beside the executable (the
/// package bundles one: scripts/package.sh), then the system's `/usr/share/zoneinfo`. Names come
/// from callers (`tz=` on the usage summary), so only well-formed names are looked up: path
/// components of letters, digits, `_`, `+`, `-`, never `.` or `..`; anything else is unknown.
public enum TimeZones {
    private static let cache = NIOLockedValueBox<[String: ZoneRules]>([:])

    /// The rules of the zone `name`, or nil when it is not a zone this machine knows.
    public static func rules(named name: String) -> ZoneRules? {
        if name == "UTC" || name == "Etc/UTC" { return .utc }
        guard isWellFormed(name) else { return nil }
        if let cached = cache.withLockedValue({ $0[name] }) { return cached }
        guard let (rules, _) = load(name) else { return nil }
        // Only names that resolved to a zone are kept, so the cache stays as small as the zone list.
        cache.withLockedValue { $0[name] = rules }
        return rules
    }

    /// The file the zone `name` is read from (nil for UTC, which needs none, and for unknown zones):
    /// `chargeback check --time-zone` says it, so the package check can see the bundled copy used.
    public static func file(named name: String) -> String? {
        isWellFormed(name) ? load(name)?.file : nil
    }

    static func load(_ name: String) -> (rules: ZoneRules, file: String)? {
        for directory in directories {
            let file = directory + "/" + name
            if let data = FileManager.default.contents(atPath: file), let rules = try? ZoneRules(tzif: Array(data)) {
                return (rules, file)
            }
        }
        return nil
    }

    static func isWellFormed(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { byte in
                (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            }
        }
    }

    static let directories: [String] = {
        var directories: [String] = []
        if let configured = ProcessInfo.processInfo.environment["TZDIR"], !configured.isEmpty { directories.append(configured) }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        if let slash = executable.lastIndex(of: "/") { directories.append(executable[..<slash] + "/zoneinfo") }
        directories.append("/usr/share/zoneinfo")
        return directories
    }()
}
