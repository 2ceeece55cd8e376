import ChargebackCore
import FunctionsProtocol

/// `owner`: `GET /api/v1/owner?kind=<file|batch|response>&id=<id>`, the ingest key (APIM's). Names
/// the APIM subscription whose create call made a stored object, so that the gateway policy can let
/// only that subscription read or poll it. `200 {"kind","id","owner"}`, `404 owner_unknown` when no
/// create call was recorded (or its record expired), `400 invalid_query`; never cached.
public struct OwnerFunction: HTTPFunction {
    public static let name = "owner"
    public static let route = "v1/owner"
    public static let methods = ["GET"]
    public static let access = FunctionAccess.ingest

    let lookup: @Sendable (ObjectReference) async throws -> String?

    /// `lookup` answers an object's creator, or nil when none is recorded.
    public init(lookup: @escaping @Sendable (ObjectReference) async throws -> String?) {
        self.lookup = lookup
    }

    public func respond(to request: FunctionRequest, context: FunctionContext) async throws -> FunctionResponse {
        guard let kindText = Self.single("kind", in: request), let kind = ObjectKind(rawValue: kindText) else {
            return Self.uncached(ErrorBody.response(status: 400, code: "invalid_query", message: "give one kind: file, batch or response"))
        }
        guard let id = Self.single("id", in: request), ObjectReference.isValidID(id) else {
            return Self.uncached(ErrorBody.response(
                status: 400, code: "invalid_query",
                message: "give one id of 1 to \(ObjectReference.maximumIDLength) characters of A-Z a-z 0-9 - _ ."))
        }
        let object = ObjectReference(kind: kind, id: id)
        guard let owner = try await lookup(object) else {
            return Self.uncached(ErrorBody.response(status: 404, code: "owner_unknown", message: "no create call was recorded for this \(kind.rawValue)"))
        }
        let body = "{\"kind\":\(JSONValue.quoted(kind.rawValue)),\"id\":\(JSONValue.quoted(id)),\"owner\":\(JSONValue.quoted(owner))}"
        return Self.uncached(FunctionResponse.json(status: 200, body))
    }

    /// The value of a query parameter given exactly once; nil when absent or repeated (the host
    /// joins repeated values with a comma, which no id contains either).
    static func single(_ name: String, in request: FunctionRequest) -> String? {
        let values = request.query.filter { $0.name.lowercased() == name }.map(\.value)
        return values.count == 1 ? values[0] : nil
    }

    /// An answer about who owns what is for the gateway alone: no cache may keep it.
    static func uncached(_ answer: FunctionResponse) -> FunctionResponse {
        var answer = answer
        answer.headers.removeAll { $0.name.lowercased() == "cache-control" }
        answer.headers.append(("Cache-Control", "private, no-store"))
        return answer
    }
}
