import Foundation

/// The function key and master key this host accepts (`x-functions-key` header or `code` query).
public struct HostKeys: Sendable {
    /// Accepted for authLevel `function`, named `default` in the identity claims.
    public var functionKey: String
    /// Accepted for every level and the admin API, named `master`.
    public var masterKey: String
    /// More named host-level function keys, accepted by every function (Azure: `az functionapp keys set
    /// --key-type functionKeys`), e.g. cost-center report keys.
    public var namedFunctionKeys: [String: String] = [:]
    /// Function-level keys: accepted by that one function only (Azure: `az functionapp function keys
    /// set`), function name → key; named `default` in the identity claims like Azure's first key.
    public var functionLevelKeys: [String: String] = [:]

    public init(functionKey: String, masterKey: String) {
        self.functionKey = functionKey
        self.masterKey = masterKey
    }

    /// Keys given on the command line, or new random ones (printed at start).
    public static func make(functionKey: String?, masterKey: String?) -> HostKeys {
        HostKeys(functionKey: functionKey ?? random(), masterKey: masterKey ?? random())
    }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// The key a caller presented, as (level, key name): `Admin`/`master` or `Function`/`default`.
    /// A function-level key counts only for its own `function`.
    public func identify(_ presented: String?, function: String? = nil) -> (level: String, name: String)? {
        guard let presented, !presented.isEmpty else { return nil }
        if constantTimeEquals(presented, masterKey) { return ("Admin", "master") }
        if constantTimeEquals(presented, functionKey) { return ("Function", "default") }
        for (name, key) in namedFunctionKeys.sorted(by: { $0.key < $1.key }) where constantTimeEquals(presented, key) { return ("Function", name) }
        if let function, let key = functionLevelKeys[function.lowercased()], constantTimeEquals(presented, key) { return ("Function", "default") }
        return nil
    }

    /// A key as the banner and logs may show it: its first four characters and its length, never more.
    public static func masked(_ key: String) -> String {
        "\(key.prefix(4))… (\(key.count) characters)"
    }

    func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
