/// Turns an http output binding value into the client's HTTP response, following the host's
/// `HttpOutputBindingResponse` + `HttpBinding.CreateResult` rules.
public struct HttpOutputRenderer: Sendable {
    public init() {}

    /// Renders the response for an invocation whose http output binding is `bindingName`.
    public func response(for result: InvocationResult, bindingName: String, outputsPresent: Bool = true) throws(InvocationError) -> FunctionResponse {
        if bindingName == "$return" {
            return try render(result.returnValue, honourStatus: true)
        }
        guard outputsPresent else { return FunctionResponse(status: 200) }
        guard let value = result.output(bindingName) else {
            return FunctionResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("{}".utf8))
        }
        return try render(value, honourStatus: false)
    }

    func render(_ value: JSONValue, honourStatus: Bool) throws(InvocationError) -> FunctionResponse {
        var binding = value
        if let text = value.stringValue {
            guard let parsed = try? JSONValue.parse(text), parsed.objectMembers != nil else {
                throw .invalidValue(member: "Outputs.res", reason: "a string that is not a JSON object")
            }
            binding = parsed
        }
        if binding.isNull { return FunctionResponse(status: 200) }
        guard binding.objectMembers != nil else { throw .invalidValue(member: "Outputs.res", reason: "not an object") }

        var status = 200
        if let code = binding.member(caseInsensitive: "statusCode"), !code.isNull {
            status = code.dotNetScalarText.flatMap { Int($0) } ?? 200
        } else if honourStatus, let code = binding.member(caseInsensitive: "status")?.dotNetScalarText {
            status = Int(code) ?? 200
        }

        guard (100...599).contains(status) else {
            throw .invalidValue(member: "Outputs.res.statusCode", reason: "\(status) is not an HTTP status")
        }

        var headers: [(name: String, value: String)] = []
        var contentType = "text/plain; charset=utf-8"
        for (name, entry) in binding.member(caseInsensitive: "headers")?.objectMembers ?? [] {
            guard let text = entry.dotNetScalarText else {
                throw .invalidValue(member: "Outputs.res.headers.\(name)", reason: "header values must be strings")
            }
            if name.lowercased() == "content-type" { contentType = text } else { headers.append((name, text)) }
        }
        headers.insert(("Content-Type", contentType), at: 0)

        let body: String
        switch binding.member(caseInsensitive: "body") {
        case .none, .null?: body = ""
        case let .string(text)?: body = text
        case let scalar? where scalar.dotNetScalarText != nil: body = scalar.dotNetScalarText ?? ""
        case let container?: body = container.indentedText
        }
        return FunctionResponse(status: status, headers: headers, body: Array(body.utf8))
    }
}
