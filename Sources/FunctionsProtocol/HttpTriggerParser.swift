/// Reads an HTTP trigger's `Data.<binding>` back into a `FunctionRequest` (the handler's side of the JSON protocol).
public struct HttpTriggerParser: Sendable {
    public init() {}

    /// Parses `{"Data":{binding:{…}},"Metadata":{…}}` into the request it carries.
    public func request(fromInvocation body: [UInt8], bindingName: String, maxDepth: Int = 64) throws(InvocationError) -> FunctionRequest {
        let document: JSONValue
        do { document = try JSONValue.parse(body, maxDepth: maxDepth) } catch { throw .invalidJSON(error) }
        guard let data = document["Data"], data.objectMembers != nil else { throw .missingMember("Data") }
        guard document["Metadata"]?.objectMembers != nil else { throw .missingMember("Metadata") }
        guard let trigger = data[bindingName], trigger.objectMembers != nil else { throw .missingMember("Data.\(bindingName)") }
        return try request(fromTrigger: trigger, bindingName: bindingName)
    }

    /// Parses the trigger object itself.
    public func request(fromTrigger trigger: JSONValue, bindingName: String) throws(InvocationError) -> FunctionRequest {
        guard let method = trigger["Method"]?.stringValue else { throw .missingMember("Data.\(bindingName).Method") }
        guard let url = trigger["Url"]?.stringValue else { throw .missingMember("Data.\(bindingName).Url") }
        let headers = try headerPairs(trigger["Headers"], path: "Data.\(bindingName).Headers")
        var request = FunctionRequest(
            method: method.uppercased(), path: Self.path(ofURL: url), query: try queryPairs(trigger["Query"], url: url),
            headers: headers, parameters: parameters(trigger["Params"]))
        if let body = trigger["Body"], !body.isNull {
            guard let text = body.stringValue else { throw .invalidValue(member: "Data.\(bindingName).Body", reason: "not a string") }
            let mediaType = (request.header("Content-Type") ?? "").lowercased()
            if mediaType.hasPrefix("application/octet-stream") || mediaType.contains("multipart") {
                guard let bytes = Base64.decode(text) else {
                    throw .invalidValue(member: "Data.\(bindingName).Body", reason: "not base64")
                }
                request.body = bytes
            } else {
                request.body = Array(text.utf8)
            }
        }
        return request
    }

    /// The path of an absolute URL (`http://host/api/x?y` → `/api/x`), percent-encoding kept.
    public static func path(ofURL url: String) -> String {
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[rest.index(colon, offsetBy: 3)...] }
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        let pathAndQuery = rest[slash...]
        let end = pathAndQuery.firstIndex { $0 == "?" || $0 == "#" } ?? pathAndQuery.endIndex
        return String(pathAndQuery[..<end])
    }

    /// `Headers` values are string arrays in `Data`, plain strings in `Metadata`: accept both.
    func headerPairs(_ value: JSONValue?, path: String) throws(InvocationError) -> [(name: String, value: String)] {
        guard let value, !value.isNull else { return [] }
        guard let members = value.objectMembers else { throw .invalidValue(member: path, reason: "not an object") }
        var pairs: [(name: String, value: String)] = []
        for (name, entry) in members {
            if let text = entry.dotNetScalarText {
                pairs.append((name, text))
            } else if let values = entry.arrayValue {
                pairs += values.compactMap(\.dotNetScalarText).map { (name, $0) }
            }
        }
        return pairs
    }

    /// `Query` is an object since 2020 and a JSON string before; without either, read the URL.
    func queryPairs(_ value: JSONValue?, url: String) throws(InvocationError) -> [(name: String, value: String)] {
        var source = value
        if let text = value?.stringValue { source = try? JSONValue.parse(text) }
        if let members = source?.objectMembers {
            return members.compactMap { name, entry in entry.dotNetScalarText.map { (name, $0) } }
        }
        return QueryString.parse(url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "")
    }

    func parameters(_ value: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for (name, entry) in value?.objectMembers ?? [] {
            if let text = entry.dotNetScalarText { result[name] = text }
        }
        return result
    }
}
