/// Where a Redis server is and how to log in, from `REDIS_CONNECTION_STRING`.
///
/// Accepted forms: `redis://[user:password@]host:port[/db]`, `rediss://…` (TLS), and the Azure /
/// StackExchange form `host:6380,password=…,ssl=True,abortConnect=False[,user=…]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// ACL user, if any.
    public var user: String?
    /// Password (or Microsoft Entra token), if any.
    public var password: String?
    /// Database index.
    public var database: Int
    /// True for TLS.
    public var usesTLS: Bool

    public init(host: String, port: Int = 6379, user: String? = nil, password: String? = nil, database: Int = 0, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.usesTLS = usesTLS
    }

    /// Host, port and TLS only: never the password.
    public var description: String { "\(usesTLS ? "rediss" : "redis")://\(host):\(port)/\(database)" }

    /// Parses a connection string in any accepted form.
    public static func parse(_ text: String) throws(RedisError) -> RedisEndpoint {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("redis://") || trimmed.hasPrefix("rediss://") { return try parseURL(trimmed) }
        return try parseStackExchange(trimmed)
    }

    static func parseURL(_ text: String) throws(RedisError) -> RedisEndpoint {
        let usesTLS = text.hasPrefix("rediss://")
        var rest = Substring(text.dropFirst(usesTLS ? 9 : 8))
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let name = percentDecoded(credentials[..<colon])
                user = name.isEmpty ? nil : name
                password = percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                password = percentDecoded(credentials)
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            if !dbText.isEmpty {
                guard let value = Int(dbText), value >= 0 else { throw .invalidConnectionString("database must be a number") }
                database = value
            }
            rest = rest[..<slash]
        }
        let (host, port) = try hostAndPort(rest, defaultPort: 6379)
        return RedisEndpoint(host: host, port: port, user: user, password: password, database: database, usesTLS: usesTLS)
    }

    static func parseStackExchange(_ text: String) throws(RedisError) -> RedisEndpoint {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        guard let first = parts.first, !first.contains("=") else {
            throw .invalidConnectionString("expected redis://host:port or host:port,password=…")
        }
        var endpoint = RedisEndpoint(host: "", port: 6379)
        var portGiven = false
        (endpoint.host, endpoint.port) = try hostAndPort(first, defaultPort: 6379)
        portGiven = first.contains(":") && !first.hasPrefix("[")
        for option in parts.dropFirst() {
            guard let equals = option.firstIndex(of: "=") else { throw .invalidConnectionString("option without '='") }
            let key = String(option[..<equals]).trimmingSpaces.lowercased()
            let value = String(option[option.index(after: equals)...])
            switch key {
            case "password": endpoint.password = value
            case "user": endpoint.user = value
            case "ssl": endpoint.usesTLS = value.lowercased() == "true"
            case "defaultdatabase":
                guard let database = Int(value), database >= 0 else { throw .invalidConnectionString("defaultDatabase must be a number") }
                endpoint.database = database
            default: continue
            }
        }
        if endpoint.usesTLS && !portGiven { endpoint.port = 6380 }
        return endpoint
    }

    static func hostAndPort(_ text: Substring, defaultPort: Int) throws(RedisError) -> (String, Int) {
        var host = text
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw .invalidConnectionString("port must be a number") }
                port = value
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { throw .invalidConnectionString("port must be a number") }
            port = value
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .invalidConnectionString("host is empty") }
        guard (1...65535).contains(port) else { throw .invalidConnectionString("port \(port) is out of range") }
        return (String(host), port)
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
