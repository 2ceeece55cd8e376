import Foundation

/// What `scripts/test` starts and exports for the tests: Redis servers and the built executables.
public enum TestEnvironment {
    /// Why a test cannot run outside `scripts/test`.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run the tests through scripts/test, which starts the servers")
        }
        return value
    }

    /// `redis://127.0.0.1:PORT` of the plain throwaway server.
    public static func plainRedisURL() throws -> String { try variable("REDIS_PLAIN_URL") }
    /// `rediss://127.0.0.1:PORT` of the TLS server.
    public static func tlsRedisURL() throws -> String { try variable("REDIS_TLS_URL") }
    /// The CA file that signed the TLS server's certificate.
    public static func tlsCAFile() throws -> String { try variable("REDIS_TLS_CA_FILE") }
    /// `host:port,host:port,…` of the 3-master cluster.
    public static func clusterNodes() throws -> [String] { try variable("REDIS_CLUSTER_NODES").split(separator: ",").map(String.init) }

    /// The folder holding the built `chargeback` and `functions-host` executables.
    public static func binaryDirectory() throws -> String {
        if let directory = ProcessInfo.processInfo.environment["CHARGEBACK_BIN_DIR"], !directory.isEmpty { return directory }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = root.appendingPathComponent(".build/debug").path
        guard FileManager.default.isExecutableFile(atPath: candidate + "/chargeback") else {
            throw Missing(description: "no built chargeback executable: set CHARGEBACK_BIN_DIR (scripts/test does)")
        }
        return candidate
    }

    /// The repository root (for host.json and functions/).
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// A TCP port on 127.0.0.1 nobody listens on right now.
    public static func unusedPort() throws -> Int {
        let (descriptor, port) = try boundSocket(listening: false)
        close(descriptor)
        return port
    }

    /// A socket bound to a free port on 127.0.0.1 (listening if asked); the caller closes it.
    public static func boundSocket(listening: Bool) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && (!listening || listen(descriptor, 1) == 0) && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, ok else {
            close(descriptor)
            throw Missing(description: "cannot bind a socket on 127.0.0.1")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
