/// The handler's answer to a JSON-protocol invocation: `{"Outputs":{…},"Logs":[…],"ReturnValue":…}`.
public struct InvocationResult: Sendable {
    /// Output binding values by binding name.
    public var outputs: [(name: String, value: JSONValue)]
    /// Lines the host logs at Information level after the invocation.
    public var logs: [String]
    /// The function's return value (`$return` binding), usually null.
    public var returnValue: JSONValue

    public init(outputs: [(name: String, value: JSONValue)] = [], logs: [String] = [], returnValue: JSONValue = .null) {
        self.outputs = outputs
        self.logs = logs
        self.returnValue = returnValue
    }

    /// A result whose http output binding `bindingName` carries `response`; the body must be UTF-8 text.
    public init(httpOutput bindingName: String, response: FunctionResponse, logs: [String] = []) {
        let headers = response.headers.map { (key: $0.name, value: JSONValue.string($0.value)) }
        let value: JSONValue = .object([
            ("statusCode", .number(String(response.status))),
            ("headers", .object(headers)),
            ("body", .string(String(decoding: response.body, as: UTF8.self))),
        ])
        self.init(outputs: [(bindingName, value)], logs: logs)
    }

    /// The JSON document, compact.
    public var json: JSONValue {
        .object([
            ("Outputs", .object(outputs.map { ($0.name, $0.value) })),
            ("Logs", .array(logs.map(JSONValue.string))),
            ("ReturnValue", returnValue),
        ])
    }

    /// Reads a handler's answer as the host does: top-level names without case, output names exactly.
    public static func parse(_ body: [UInt8]) throws(InvocationError) -> InvocationResult {
        guard !body.isEmpty else {
            throw .invalidValue(member: "body", reason: "empty: the real host would wait until functionTimeout")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(body) } catch { throw .invalidJSON(error) }
        guard document.objectMembers != nil else { throw .invalidValue(member: "body", reason: "not a JSON object") }
        let outputs = document.member(caseInsensitive: "Outputs")?.objectMembers ?? []
        let logs = document.member(caseInsensitive: "Logs")?.arrayValue?.compactMap(\.dotNetScalarText) ?? []
        return InvocationResult(
            outputs: outputs.map { ($0.key, $0.value) }, logs: logs,
            returnValue: document.member(caseInsensitive: "ReturnValue") ?? .null)
    }

    /// The value of output binding `name` (exact case).
    public func output(_ name: String) -> JSONValue? {
        outputs.first { $0.name == name }?.value
    }
}
