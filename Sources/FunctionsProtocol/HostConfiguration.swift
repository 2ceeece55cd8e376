/// The parts of host.json a custom-handler host reads (keys case-insensitive, as `IConfiguration.Bind`).
public struct HostConfiguration: Sendable, Equatable {
    /// `customHandler.description.defaultExecutablePath`, `%VAR%` not yet expanded.
    public var defaultExecutablePath: String
    /// `customHandler.description.arguments`.
    public var arguments: [String]
    /// `customHandler.description.workingDirectory` (relative to the app root), if set.
    public var workingDirectory: String?
    /// `customHandler.enableForwardingHttpRequest` (or the legacy `httpWorker` section, which always forwards).
    public var enableForwardingHttpRequest: Bool
    /// `customHandler.enableProxyingHttpRequest` (2025+ hosts); served here like forwarding.
    public var enableProxyingHttpRequest: Bool
    /// `extensions.http.routePrefix`, default `api`.
    public var routePrefix: String
    /// `functionTimeout` in seconds; nil when unbounded (`-1`).
    public var functionTimeoutSeconds: Int?
    /// `customHandler.initializationTimeout` in seconds (default 30).
    public var initializationTimeoutSeconds: Int
    /// `extensions.http.maxOutstandingRequests`: requests queued or running at once; more are refused
    /// with 429. nil when unbounded (`-1`, the default outside the Consumption plan).
    public var maxOutstandingRequests: Int? = nil
    /// `extensions.http.maxConcurrentRequests`: HTTP functions running at once; more wait in the
    /// queue. nil when unbounded (`-1`, the default outside the Consumption plan).
    public var maxConcurrentRequests: Int? = nil

    /// Parses host.json text; refuses what the real host would refuse.
    public static func parse(_ text: [UInt8]) throws(InvocationError) -> HostConfiguration {
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch { throw .invalidJSON(error) }
        guard document.objectMembers != nil else { throw .invalidValue(member: "host.json", reason: "not a JSON object") }
        guard document.member(caseInsensitive: "version")?.stringValue == "2.0" else {
            throw .invalidValue(member: "version", reason: "must be \"2.0\"")
        }
        let legacy = document.member(caseInsensitive: "httpWorker")
        guard let section = document.member(caseInsensitive: "customHandler") ?? legacy, section.objectMembers != nil else {
            throw .missingMember("customHandler")
        }
        guard let description = section.member(caseInsensitive: "description"), description.objectMembers != nil else {
            throw .missingMember("customHandler.description")
        }
        guard let executable = description.member(caseInsensitive: "defaultExecutablePath")?.stringValue, !executable.isEmpty else {
            throw .missingMember("customHandler.description.defaultExecutablePath")
        }
        let arguments = description.member(caseInsensitive: "arguments")?.arrayValue?.compactMap(\.dotNetScalarText) ?? []
        let isLegacy = document.member(caseInsensitive: "customHandler") == nil
        let http = document.member(caseInsensitive: "extensions")?.member(caseInsensitive: "http")
        let prefix = http?.member(caseInsensitive: "routePrefix")?.stringValue ?? "api"
        var configuration = HostConfiguration(
            defaultExecutablePath: executable,
            arguments: arguments,
            workingDirectory: description.member(caseInsensitive: "workingDirectory")?.stringValue,
            enableForwardingHttpRequest: isLegacy || flag(section.member(caseInsensitive: "enableForwardingHttpRequest")),
            enableProxyingHttpRequest: flag(section.member(caseInsensitive: "enableProxyingHttpRequest")),
            routePrefix: prefix.trimmingSlashes,
            functionTimeoutSeconds: try timeout(document.member(caseInsensitive: "functionTimeout"), member: "functionTimeout", default: 300),
            initializationTimeoutSeconds: try timeout(
                section.member(caseInsensitive: "initializationTimeout"), member: "customHandler.initializationTimeout", default: 30) ?? 30)
        configuration.maxOutstandingRequests = try limit(http?.member(caseInsensitive: "maxOutstandingRequests"), member: "extensions.http.maxOutstandingRequests")
        configuration.maxConcurrentRequests = try limit(http?.member(caseInsensitive: "maxConcurrentRequests"), member: "extensions.http.maxConcurrentRequests")
        return configuration
    }

    /// A request limit: a positive integer, or `-1` / absent for unbounded.
    static func limit(_ value: JSONValue?, member: String) throws(InvocationError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.dotNetScalarText, let number = Int(text), number == -1 || number > 0 else {
            throw .invalidValue(member: member, reason: "must be a positive integer or -1")
        }
        return number == -1 ? nil : number
    }

    static func flag(_ value: JSONValue?) -> Bool {
        switch value {
        case let .bool(flag)?: return flag
        case let .string(text)?: return text.lowercased() == "true"
        default: return false
        }
    }

    /// A .NET TimeSpan text `[d.]hh:mm:ss` or `-1` (unbounded).
    static func timeout(_ value: JSONValue?, member: String, default fallback: Int) throws(InvocationError) -> Int? {
        guard let value, !value.isNull else { return fallback }
        guard let text = value.dotNetScalarText else { throw .invalidValue(member: member, reason: "not a TimeSpan") }
        if text == "-1" { return nil }
        guard let seconds = TimeSpan.seconds(text) else { throw .invalidValue(member: member, reason: "'\(text)' is not hh:mm:ss") }
        return seconds
    }
}

/// .NET `TimeSpan` text.
public enum TimeSpan {
    /// Seconds in `[d.]hh:mm:ss[.fff]`; nil when malformed.
    public static func seconds(_ text: String) -> Int? {
        var rest = Substring(text)
        var days = 0
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var hoursText = parts[0]
        if let dot = hoursText.firstIndex(of: ".") {
            guard let value = Int(hoursText[..<dot]) else { return nil }
            days = value
            hoursText = hoursText[hoursText.index(after: dot)...]
        }
        rest = parts[2].split(separator: ".").first ?? ""
        guard let hours = Int(hoursText), let minutes = Int(parts[1]), let seconds = Int(rest),
            hours < 24, minutes < 60, seconds < 60, days >= 0, hours >= 0, minutes >= 0, seconds >= 0
        else { return nil }
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    }
}

extension String {
    /// The string without leading and trailing `/`.
    var trimmingSlashes: String {
        var text = Substring(self)
        while text.first == "/" { text = text.dropFirst() }
        while text.last == "/" { text = text.dropLast() }
        return String(text)
    }
}
