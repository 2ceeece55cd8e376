/// Builds the JSON-protocol invocation for an HTTP trigger exactly as the Functions host does
/// (`HttpRequestExtensions.ToJObject` for `Data.<binding>`, the HTTP extension's binding data for `Metadata`).
public struct HttpTriggerSerializer: Sendable {
    /// The anonymous identity the host sends when no key authorised the call.
    public static let anonymousIdentity: JSONValue = .object([
        ("AuthenticationType", .null), ("IsAuthenticated", .bool(false)), ("Actor", .null),
        ("BootstrapContext", .null), ("Claims", .array([])), ("Label", .null), ("Name", .null),
        ("NameClaimType", .string("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")),
        ("RoleClaimType", .string("http://schemas.microsoft.com/ws/2008/06/identity/claims/role")),
    ])

    /// The identity the host sends when a key of `level` (`Function` or `Admin`) named `keyName` authorised the call.
    public static func keyIdentity(level: String, keyName: String) -> JSONValue {
        func claim(_ type: String, _ value: String) -> JSONValue {
            .object([
                ("Issuer", .string("LOCAL AUTHORITY")), ("OriginalIssuer", .string("LOCAL AUTHORITY")),
                ("Properties", .object([])), ("Type", .string(type)), ("Value", .string(value)),
                ("ValueType", .string("http://www.w3.org/2001/XMLSchema#string")),
            ])
        }
        let base = "http://schemas.microsoft.com/2017/07/functions/claims/"
        return .object([
            ("AuthenticationType", .string("WebJobsAuthLevel")), ("IsAuthenticated", .bool(true)), ("Actor", .null),
            ("BootstrapContext", .null),
            ("Claims", .array([claim(base + "authlevel", level), claim(base + "invoke", "true"), claim(base + "keyid", keyName)])),
            ("Label", .null), ("Name", .null),
            ("NameClaimType", .string("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")),
            ("RoleClaimType", .string("http://schemas.microsoft.com/ws/2008/06/identity/claims/role")),
        ])
    }

    public init() {}

    /// The whole invocation body `{"Data":{binding: req},"Metadata":{…}}`.
    public func invocation(
        bindingName: String, functionName: String, request: FunctionRequest, url: String,
        routeParameters: [(name: String, value: String?)], identities: [JSONValue], utcNow: String, randGuid: String
    ) -> JSONValue {
        .object([
            ("Data", .object([(bindingName, data(request: request, url: url, routeParameters: routeParameters, identities: identities))])),
            ("Metadata", metadata(request: request, routeParameters: routeParameters, functionName: functionName, utcNow: utcNow, randGuid: randGuid)),
        ])
    }

    /// `Data.<binding>`: `Url, Method, Query, Headers, Params, Identities[, Body]`.
    public func data(
        request: FunctionRequest, url: String, routeParameters: [(name: String, value: String?)], identities: [JSONValue]
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("Url", .string(url)),
            ("Method", .string(request.method)),
            ("Query", .object(grouped(request.query).map { ($0.name, .string($0.values.joined(separator: ","))) })),
            ("Headers", .object(grouped(request.headers).map { ($0.name, .array($0.values.map(JSONValue.string))) })),
            ("Params", .object(routeParameters.map { ($0.name, $0.value.map(JSONValue.string) ?? .null) })),
            ("Identities", .array(identities)),
        ]
        if let body = bodyText(request) { members.append(("Body", .string(body))) }
        return .object(members)
    }

    /// `Metadata`: body properties, query (without `code`), route values, `Query`, `Headers`, `sys`.
    public func metadata(
        request: FunctionRequest, routeParameters: [(name: String, value: String?)], functionName: String,
        utcNow: String, randGuid: String
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        func set(_ key: String, _ value: JSONValue) {
            if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append((key, value)) }
        }
        if hasContentLength(request), let properties = try? JSONValue.parse(request.body).objectMembers {
            for (key, value) in properties {
                switch value {
                case .null, .array: continue
                case .object: set(key, value)
                default: set(key, .string(JSONValue.quoted(value.dotNetScalarText ?? "")))
                }
            }
        }
        let lastQuery = lastValues(request.query)
        for (name, value) in lastQuery where name.lowercased() != "code" { set(name, .string(JSONValue.quoted(value))) }
        for parameter in routeParameters {
            if let value = parameter.value { set(parameter.name, .string(JSONValue.quoted(value))) }
        }
        set("Query", .object(lastQuery.map { ($0.name, .string($0.value)) }))
        set("Headers", .object(grouped(request.headers).map { ($0.name, .string($0.values.joined(separator: ","))) }))
        set("sys", .object([("MethodName", .string(functionName)), ("UtcNow", .string(utcNow)), ("RandGuid", .string(randGuid))]))
        return .object(members)
    }

    /// The `Body` text: absent unless Content-Length > 0; base64 for octet-stream and multipart.
    func bodyText(_ request: FunctionRequest) -> String? {
        guard hasContentLength(request), !request.body.isEmpty else { return nil }
        let mediaType = (request.header("Content-Type") ?? "").lowercased()
        if mediaType.hasPrefix("application/octet-stream") || mediaType.contains("multipart") {
            return Base64.encode(request.body)
        }
        var bytes = request.body[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return String(decoding: bytes, as: UTF8.self)
    }

    func hasContentLength(_ request: FunctionRequest) -> Bool {
        guard let text = request.header("Content-Length"), let length = Int(text) else { return false }
        return length > 0
    }

    /// Values grouped by name (case-insensitive), in first-seen order, names as first seen.
    public func grouped(_ pairs: [(name: String, value: String)]) -> [(name: String, values: [String])] {
        var result: [(name: String, values: [String])] = []
        for (name, value) in pairs {
            if let index = result.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) {
                result[index].values.append(value)
            } else {
                result.append((name, [value]))
            }
        }
        return result
    }

    func lastValues(_ pairs: [(name: String, value: String)]) -> [(name: String, value: String)] {
        grouped(pairs).map { ($0.name, $0.values.last ?? "") }
    }
}
