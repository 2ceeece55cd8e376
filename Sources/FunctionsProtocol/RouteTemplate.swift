/// An ASP.NET-style route template such as `items/{id}`, `files/{*path}` or `v1/{name?}`.
public struct RouteTemplate: Sendable, Equatable {
    /// A malformed template.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(name: String, isOptional: Bool)
        case catchAll(name: String)
    }

    let segments: [Segment]
    /// The template text.
    public let text: String

    /// Parses a template; `{name:constraint}` constraints are accepted and not enforced.
    public init(_ text: String) throws(ParseError) {
        self.text = text.trimmingSlashes
        var segments: [Segment] = []
        let parts = self.text.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() where !(parts.count == 1 && part.isEmpty) {
            guard !part.isEmpty else { throw ParseError(description: "empty segment in '\(text)'") }
            if part.first == "{" {
                guard part.last == "}", part.count > 2 else { throw ParseError(description: "unclosed parameter in '\(text)'") }
                var name = part.dropFirst().dropLast()
                if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
                if name.hasPrefix("*") {
                    guard index == parts.count - 1 else { throw ParseError(description: "catch-all must be last in '\(text)'") }
                    segments.append(.catchAll(name: String(name.drop { $0 == "*" })))
                } else if name.hasSuffix("?") {
                    segments.append(.parameter(name: String(name.dropLast()), isOptional: true))
                } else {
                    segments.append(.parameter(name: String(name), isOptional: false))
                }
            } else {
                guard !part.contains("{"), !part.contains("}") else {
                    throw ParseError(description: "mixed literal and parameter in '\(text)' are not supported")
                }
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
    }

    /// The parameter names in template order.
    public var parameterNames: [String] {
        segments.compactMap {
            switch $0 {
            case .literal: return nil
            case let .parameter(name, _), let .catchAll(name): return name
            }
        }
    }

    /// Matches a path relative to the route prefix (no leading slash); returns every parameter,
    /// nil for an optional one that is absent, or nil when the path does not match.
    public func match(_ path: String) -> [(name: String, value: String?)]? {
        let parts = path.trimmingSlashes.split(separator: "/", omittingEmptySubsequences: false).map { QueryString.decode($0) }
        let pathParts = parts == [""] ? [] : parts
        var values: [(name: String, value: String?)] = []
        var index = 0
        for segment in segments {
            switch segment {
            case let .literal(literal):
                guard index < pathParts.count, pathParts[index].lowercased() == literal.lowercased() else { return nil }
                index += 1
            case let .parameter(name, isOptional):
                if index < pathParts.count, !pathParts[index].isEmpty {
                    values.append((name, pathParts[index]))
                    index += 1
                } else if isOptional {
                    values.append((name, nil))
                } else {
                    return nil
                }
            case let .catchAll(name):
                let rest = pathParts[min(index, pathParts.count)...].joined(separator: "/")
                values.append((name, rest.isEmpty ? nil : rest))
                index = pathParts.count
            }
        }
        return index == pathParts.count ? values : nil
    }
}
