/// One function as its `function.json` declares it; name = folder name.
public struct FunctionMetadata: Sendable, Equatable {
    /// Who may call an HTTP function.
    public enum AuthLevel: String, Sendable, Equatable {
        case anonymous, function, admin
    }

    /// An `httpTrigger` input.
    public struct HTTPTrigger: Sendable, Equatable {
        /// The binding name (`req`).
        public var bindingName: String
        /// Authorization level; `function` when omitted.
        public var authLevel: AuthLevel
        /// Allowed methods in upper case; nil allows every method.
        public var methods: [String]?
        /// The route template without prefix; the function name when omitted.
        public var route: String
    }

    /// A `timerTrigger` input.
    public struct TimerTrigger: Sendable, Equatable {
        /// The binding name.
        public var bindingName: String
        /// The 6- (or 5-) field NCRONTAB expression.
        public var schedule: String
        /// Fire once when the host starts.
        public var runOnStartup: Bool
        /// Keep a schedule status (Last/Next) between runs.
        public var useMonitor: Bool
    }

    /// The trigger kinds this host serves.
    public enum Trigger: Sendable, Equatable {
        case http(HTTPTrigger)
        case timer(TimerTrigger)
    }

    /// Function (folder) name.
    public var name: String
    /// The trigger.
    public var trigger: Trigger
    /// The name of the `http` output binding, if any.
    public var httpOutputBinding: String?
    /// Number of input and output bindings besides these two (they force the JSON protocol).
    public var otherBindingCount: Int

    /// True when the function is exactly httpTrigger in + http out: the only kind forwarding mode applies to.
    public var isHTTPInAndOut: Bool {
        if case .http = trigger, httpOutputBinding != nil, otherBindingCount == 0 { return true }
        return false
    }

    /// Parses function.json for the function in folder `name`.
    public static func parse(name: String, json: [UInt8]) throws(InvocationError) -> FunctionMetadata {
        guard isValidFunctionName(name) else {
            throw .invalidValue(member: "function name", reason: "'\(name)' must match ^[a-z][a-z0-9_-]{0,127}$")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(json) } catch { throw .invalidJSON(error) }
        guard let bindings = document.member(caseInsensitive: "bindings")?.arrayValue else { throw .missingMember("bindings") }
        var trigger: Trigger?
        var output: String?
        var others = 0
        for binding in bindings {
            guard let type = binding.member(caseInsensitive: "type")?.stringValue?.lowercased() else { throw .missingMember("bindings[].type") }
            guard let bindingName = binding.member(caseInsensitive: "name")?.stringValue, isValidBindingName(bindingName) else {
                throw .invalidValue(member: "bindings[].name", reason: "must match ^[a-zA-Z][a-zA-Z0-9]{0,127}$ or be $return")
            }
            let direction = binding.member(caseInsensitive: "direction")?.stringValue?.lowercased()
            switch (type, direction) {
            case ("httptrigger", _):
                guard trigger == nil else { throw .invalidValue(member: "bindings", reason: "more than one trigger") }
                trigger = .http(try httpTrigger(binding, bindingName: bindingName, functionName: name))
            case ("timertrigger", _):
                guard trigger == nil else { throw .invalidValue(member: "bindings", reason: "more than one trigger") }
                trigger = .timer(try timerTrigger(binding, bindingName: bindingName))
            case ("http", "out"):
                output = bindingName
            default:
                others += 1
            }
        }
        guard let trigger else { throw .invalidValue(member: "bindings", reason: "no httpTrigger or timerTrigger") }
        return FunctionMetadata(name: name, trigger: trigger, httpOutputBinding: output, otherBindingCount: others)
    }

    static func httpTrigger(_ binding: JSONValue, bindingName: String, functionName: String) throws(InvocationError) -> HTTPTrigger {
        let levelText = binding.member(caseInsensitive: "authLevel")?.stringValue?.lowercased() ?? "function"
        guard let level = AuthLevel(rawValue: levelText) else {
            throw .invalidValue(member: "authLevel", reason: "'\(levelText)' is not anonymous, function or admin")
        }
        let methods = binding.member(caseInsensitive: "methods")?.arrayValue?.compactMap { $0.stringValue?.uppercased() }
        let route = binding.member(caseInsensitive: "route")?.stringValue ?? functionName
        do { _ = try RouteTemplate(route) } catch { throw .invalidValue(member: "route", reason: error.description) }
        return HTTPTrigger(bindingName: bindingName, authLevel: level, methods: methods, route: route.trimmingSlashes)
    }

    static func timerTrigger(_ binding: JSONValue, bindingName: String) throws(InvocationError) -> TimerTrigger {
        guard let schedule = binding.member(caseInsensitive: "schedule")?.stringValue else { throw .missingMember("schedule") }
        do { _ = try CronSchedule(schedule) } catch { throw .invalidValue(member: "schedule", reason: error.description) }
        let runOnStartup = HostConfiguration.flag(binding.member(caseInsensitive: "runOnStartup"))
        let monitor = binding.member(caseInsensitive: "useMonitor")
        return TimerTrigger(
            bindingName: bindingName, schedule: schedule, runOnStartup: runOnStartup,
            useMonitor: monitor == nil ? true : HostConfiguration.flag(monitor))
    }

    /// The host's function-name rule (case-insensitive), and not `host`.
    public static func isValidFunctionName(_ name: String) -> Bool {
        let bytes = Array(name.lowercased().utf8)
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 128, name.lowercased() != "host" else {
            return false
        }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    static func isValidBindingName(_ name: String) -> Bool {
        if name == "$return" { return true }
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 128, first.isASCIILetter else { return false }
        return bytes.allSatisfy { $0.isASCIILetter || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) }
}
