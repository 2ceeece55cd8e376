import CurlClient
import FoundationEssentials
import NIOConcurrencyHelpers

/// Tokens of the App Service / Azure Functions managed identity, from the local identity endpoint
/// the platform sets up (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`; api-version 2019-08-01:
/// https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference),
/// fetched through libcurl and cached per resource until due for renewal.
public final class ManagedIdentityCredential: Sendable {
    let endpoint: String
    let secret: String
    /// A user-assigned identity's client id; nil: the system-assigned identity.
    let clientID: String?
    let client: CurlHTTPClient
    let now: @Sendable () -> Int64
    private let cache = NIOLockedValueBox<[String: (token: AccessToken, renewAt: Int64, fetchAfter: Int64)]>([:])

    public init(endpoint: String, secret: String, clientID: String? = nil, client: CurlHTTPClient = CurlHTTPClient(),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.endpoint = endpoint
        self.secret = secret
        self.clientID = clientID
        self.client = client
        self.now = now
    }

    /// Why no token came back. The endpoint's answer is not repeated: only its status.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// A token for `resource` (e.g. `https://redis.azure.com`) and when to renew it, fixed when the
    /// token was fetched. Cached until the earliest moment a holder may renew (`renewAt` less the
    /// holders' jitter, `jitterBound`): from then on a renewing holder gets a fresh token, not the
    /// one it has.
    public func token(for resource: String, jitterBound: (Int64) -> Int64 = { _ in 0 }) async throws -> (token: AccessToken, renewAt: Int64) {
        let current = now()
        if let cached = cache.withLockedValue({ $0[resource] }), current < cached.fetchAfter {
            return (cached.token, cached.renewAt)
        }
        let token = try await fetch(resource)
        let renewAt = token.renewAt(issuedAt: current)
        // An endpoint that still serves a token due for renewal is asked again 10 s later (never
        // after the token's expiry), not on every call.
        let earliest = renewAt - jitterBound(renewAt - current)
        let fetchAfter = earliest > current ? earliest : min(current + 10, token.expiresOn)
        cache.withLockedValue { $0[resource] = (token, renewAt, fetchAfter) }
        return (token, renewAt)
    }

    func fetch(_ resource: String) async throws -> AccessToken {
        guard var components = URLComponents(string: endpoint) else {
            throw Failure(description: "IDENTITY_ENDPOINT is not a URL")
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "resource", value: resource),
                                                                 URLQueryItem(name: "api-version", value: "2019-08-01")]
            + (clientID.map { [URLQueryItem(name: "client_id", value: $0)] } ?? [])
        guard let url = components.string else { throw Failure(description: "IDENTITY_ENDPOINT is not a URL") }
        let request = CurlRequest(url: url, headers: [("X-IDENTITY-HEADER", secret)], timeoutMilliseconds: 10_000, maxResponseBytes: 64 * 1024)
        let response: CurlResponse
        do {
            response = try await client.perform(request)
        } catch {
            throw Failure(description: "the managed identity endpoint could not be reached: \(error)")
        }
        guard response.status == 200 else {
            throw Failure(description: "the managed identity endpoint answered \(response.status) for \(resource)")
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(response.body)), !answer.accessToken.isEmpty,
              let expiresOn = answer.expiresOn.seconds else {
            throw Failure(description: "the managed identity endpoint's answer has no access_token and expires_on")
        }
        return AccessToken(token: answer.accessToken, expiresOn: expiresOn, objectID: AccessToken.objectID(ofJWT: answer.accessToken))
    }

    /// The endpoint's answer: `expires_on` is epoch seconds, sent as a string (2019-08-01); a number is accepted too.
    struct TokenAnswer: Decodable {
        var accessToken: String
        var expiresOn: Seconds

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresOn = "expires_on"
        }

        struct Seconds: Decodable {
            var seconds: Int64?

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int64.self) {
                    seconds = number
                } else {
                    seconds = Int64(try container.decode(String.self))
                }
            }
        }
    }
}
