import FoundationEssentials
import FunctionsProtocol

/// The JSON error every endpoint answers with: `{"error":{"code":…,"message":…}}`.
/// Messages are written by us; they never echo payload content, C error text or upstream bodies.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The error's details.
    public struct Detail: Codable, Sendable, Equatable {
        /// A stable machine-readable code, e.g. `invalid_invocation`.
        public var code: String
        /// A sentence for people.
        public var message: String

        enum CodingKeys: String, CodingKey {
            case code, message
        }
    }

    /// The error.
    public var error: Detail

    enum CodingKeys: String, CodingKey {
        case error
    }

    /// An error response with `status`.
    public static func response(status: Int, code: String, message: String) -> FunctionResponse {
        let body = ErrorBody(error: Detail(code: code, message: message))
        let data = (try? JSONEncoder().encode(body)) ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"unencodable error\"}}".utf8)
        return FunctionResponse.json(status: status, String(decoding: data, as: UTF8.self))
    }
}
