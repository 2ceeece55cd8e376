import Foundation

/// Whose listening socket answers on a loopback port, from `/proc` (Linux). The host picks the
/// handler's port before the handler binds it, as Azure's host does (`FreePort`); between the two,
/// another process on the machine (another local host, in parallel tests) can pick and bind the same
/// port, and the readiness probe is then answered by the wrong handler. The supervisor asks this
/// after readiness, and starts again on a new port when the listener is not its child's.
enum PortOwner {
    /// True when the socket listening on 127.0.0.1:`port` (or on any address) belongs to `pid` or one
    /// of its descendants; false when it belongs to another process; nil when `/proc` cannot tell.
    static func isListening(on port: Int, ownedBy pid: Int32) -> Bool? {
        let inodes = listeningInodes(port: port)
        guard !inodes.isEmpty, let owner = process(holdingAnyOf: inodes) else { return nil }
        var current = owner
        for _ in 0..<64 {
            if current == pid { return true }
            guard let parent = parent(of: current), parent > 1 else { return false }
            current = parent
        }
        return false
    }

    /// The inodes of the IPv4 and IPv6 sockets in LISTEN state (`0A`) on `port`.
    static func listeningInodes(port: Int) -> Set<String> {
        var inodes = Set<String>()
        let suffix = ":" + String(format: "%04X", port)
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[1].hasSuffix(suffix), fields[3] == "0A" else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        return inodes
    }

    /// A process with an open descriptor on one of the socket inodes.
    static func process(holdingAnyOf inodes: Set<String>) -> Int32? {
        let targets = Set(inodes.map { "socket:[\($0)]" })
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = Int32(entry), let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
            for descriptor in descriptors {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(descriptor)"), targets.contains(target) {
                    return pid
                }
            }
        }
        return nil
    }

    /// The parent of `pid` (`/proc/<pid>/stat`, the field after the command's closing parenthesis).
    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
