import FoundationEssentials

/// A timer trigger's invocation: the `TimerInfo` the host serializes into `Data.<binding>`, and `sys.UtcNow`.
public struct TimerInvocation: Sendable, Equatable {
    /// The monitor's record of the schedule; nil when the timer runs without a monitor.
    public struct ScheduleStatus: Sendable, Equatable {
        /// The previous run (`DateTime.MinValue` before the first).
        public var last: Date
        /// This run's due time.
        public var next: Date
        /// When the status was last written.
        public var lastUpdated: Date

        public init(last: Date, next: Date, lastUpdated: Date) {
            self.last = last
            self.next = next
            self.lastUpdated = lastUpdated
        }
    }

    /// The schedule status, nil without a monitor.
    public var scheduleStatus: ScheduleStatus?
    /// True when this run makes up for an occurrence missed while the host was down.
    public var isPastDue: Bool
    /// The host's clock at invocation (`Metadata.sys.UtcNow`).
    public var utcNow: Date?

    public init(scheduleStatus: ScheduleStatus?, isPastDue: Bool, utcNow: Date?) {
        self.scheduleStatus = scheduleStatus
        self.isPastDue = isPastDue
        self.utcNow = utcNow
    }

    /// `Data.<binding>` as the host writes it (`JObject.FromObject(TimerInfo)`).
    public var timerInfo: JSONValue {
        let status: JSONValue
        if let scheduleStatus {
            status = .object([
                ("Last", .string(Self.localText(scheduleStatus.last))),
                ("Next", .string(Self.localText(scheduleStatus.next))),
                ("LastUpdated", .string(Self.localText(scheduleStatus.lastUpdated))),
            ])
        } else {
            status = .null
        }
        return .object([("Schedule", .object([("AdjustForDST", .bool(true))])), ("ScheduleStatus", status), ("IsPastDue", .bool(isPastDue))])
    }

    /// The whole invocation body.
    public func invocation(bindingName: String, functionName: String, randGuid: String) -> JSONValue {
        .object([
            ("Data", .object([(bindingName, timerInfo)])),
            ("Metadata", .object([("sys", .object([
                ("MethodName", .string(functionName)),
                ("UtcNow", .string(DotNetDate.format(utcNow ?? Date()))),
                ("RandGuid", .string(randGuid)),
            ]))])),
        ])
    }

    /// Reads a timer invocation body (the handler's side).
    public static func parse(_ body: [UInt8], bindingName: String) throws(InvocationError) -> TimerInvocation {
        let document: JSONValue
        do { document = try JSONValue.parse(body, maxDepth: 16) } catch { throw .invalidJSON(error) }
        guard let info = document["Data"]?[bindingName], info.objectMembers != nil else {
            throw .missingMember("Data.\(bindingName)")
        }
        guard let metadata = document["Metadata"], metadata.objectMembers != nil else { throw .missingMember("Metadata") }
        var status: ScheduleStatus?
        if let statusValue = info["ScheduleStatus"], !statusValue.isNull {
            func date(_ key: String) throws(InvocationError) -> Date {
                guard let text = statusValue[key]?.stringValue, let date = DotNetDate.parse(text) else {
                    throw .invalidValue(member: "Data.\(bindingName).ScheduleStatus.\(key)", reason: "not a date")
                }
                return date
            }
            status = ScheduleStatus(last: try date("Last"), next: try date("Next"), lastUpdated: try date("LastUpdated"))
        }
        var isPastDue = false
        if case let .bool(flag)? = info["IsPastDue"] { isPastDue = flag }
        let utcNow = metadata["sys"]?["UtcNow"]?.stringValue.flatMap(DotNetDate.parse)
        return TimerInvocation(scheduleStatus: status, isPastDue: isPastDue, utcNow: utcNow)
    }

    /// Local-kind DateTime text on a UTC machine: `+00:00`, and MinValue exactly as the host writes it.
    static func localText(_ date: Date) -> String {
        date <= Self.minValue ? DotNetDate.minValueText : DotNetDate.format(date, utcSuffix: "+00:00")
    }

    /// 0001-01-01T00:00:00Z.
    public static let minValue = Date(timeIntervalSince1970: -62_135_596_800)
}
