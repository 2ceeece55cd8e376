import Foundation
import FunctionsProtocol

/// Reads fixtures copied from `shared/reference/fixtures/` into this test bundle.
public enum Fixture {
    public static func bytes(_ name: String) throws -> [UInt8] {
        // A bare name is a Functions fixture; `openai/x.json` names another folder.
        let path = name.contains("/") ? "Fixtures/" + name : "Fixtures/functions/" + name
        guard let url = Bundle.module.url(forResource: path, withExtension: nil) else {
            throw FixtureMissing(name: name)
        }
        return Array(try Data(contentsOf: url))
    }

    public static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse(try bytes(name))
    }

    public struct FixtureMissing: Error {
        let name: String
    }
}

/// Compares two documents key by key (same order) and type by type; strings that are dates are
/// compared as instants to 1 µs, since a `Date` cannot hold all 7 fractional digits exactly.
public func structuralDifferences(_ actual: JSONValue, _ expected: JSONValue, path: String = "$") -> [String] {
    switch (actual, expected) {
    case let (.object(a), .object(e)):
        guard a.map(\.key) == e.map(\.key) else { return ["\(path): keys \(a.map(\.key)) != \(e.map(\.key))"] }
        return zip(a, e).flatMap { structuralDifferences($0.value, $1.value, path: path + "." + $0.key) }
    case let (.array(a), .array(e)):
        guard a.count == e.count else { return ["\(path): \(a.count) elements != \(e.count)"] }
        return zip(a, e).enumerated().flatMap { structuralDifferences($1.0, $1.1, path: path + "[\($0)]") }
    case let (.string(a), .string(e)):
        if a == e { return [] }
        if let dateA = DotNetDate.parse(a), let dateE = DotNetDate.parse(e), abs(dateA.timeIntervalSince(dateE)) < 1e-6,
            a.hasSuffix("Z") == e.hasSuffix("Z") { return [] }
        return ["\(path): \"\(a)\" != \"\(e)\""]
    default:
        return actual == expected ? [] : ["\(path): \(actual.compactText) != \(expected.compactText)"]
    }
}

extension Fixture {
    /// The file system path of a fixture file (for processes that read it).
    public static func path(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else { throw FixtureMissing(name: name) }
        return url.path
    }
}
