import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import RedisClient
import TestSupport

/// A loopback stand-in for the App Service managed identity endpoint (api-version 2019-08-01:
/// `GET ?resource=…&api-version=…` with `X-IDENTITY-HEADER`, answering `access_token` and
/// `expires_on` as a string of epoch seconds), and for Azure Managed Redis's side of Entra ID: each
/// token it issues becomes a redis-server ACL user whose password is the token. Each token names its
/// own user (its `oid`), so when a token expires, deleting that user makes Redis close every
/// connection still authenticated with it, as Azure closes a connection whose token expired
/// without a new AUTH. Before deleting, it counts those connections: 0 means every live
/// connection renewed in time.
final class IdentityEndpoint: Sendable {
    let secret = "identity-\(UUID().uuidString.prefix(8))"
    let ttlSeconds: Int64
    let redis: RedisPool
    let prefix = "entra-\(UUID().uuidString.prefix(8).lowercased())"
    struct Issued: Sendable { var user: String; var token: String; var expiresOn: Int64 }
    /// Tokens issued and not yet expired.
    let issued = NIOLockedValueBox<[Issued]>([])
    /// Tokens issued in all (each names its own user).
    let issuedCount = NIOLockedValueBox(0)
    /// Per expired token: connections still authenticated with it when it expired.
    let staleConnections = NIOLockedValueBox<[Int]>([])
    let wrongSecrets = NIOLockedValueBox(0)

    init(ttlSeconds: Int64, redis: RedisPool) {
        self.ttlSeconds = ttlSeconds
        self.redis = redis
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/msi/token") { request, _ -> Response in
            guard request.headers.first(where: { $0.name.rawName.lowercased() == "x-identity-header" })?.value == self.secret else {
                self.wrongSecrets.withLockedValue { $0 += 1 }
                return Response(status: .badRequest)
            }
            let query = request.uri.queryParameters
            guard query.get("resource") == "https://redis.azure.com", query.get("api-version") == "2019-08-01" else {
                return Response(status: .badRequest)
            }
            let number = self.issuedCount.withLockedValue { value -> Int in defer { value += 1 }; return value }
            let user = "\(self.prefix)-\(number)"
            let expiresOn = Int64(Date().timeIntervalSince1970) + self.ttlSeconds
            let token = Self.jwt(oid: user, expiresOn: expiresOn, serial: number)
            _ = try await self.redis.send(["ACL", "SETUSER", user, "on", ">" + token, "~*", "&*", "+@all"])
            self.issued.withLockedValue { $0.append(Issued(user: user, token: token, expiresOn: expiresOn)) }
            let body = "{\"access_token\":\"\(token)\",\"expires_on\":\"\(expiresOn)\",\"resource\":\"https://redis.azure.com\",\"token_type\":\"Bearer\",\"client_id\":\"00000000-0000-0000-0000-000000000001\"}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// A JWT-shaped token (unsigned: only its shape and `oid` matter to the client).
    static func jwt(oid: String, expiresOn: Int64, serial: Int) -> String {
        func base64url(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        return base64url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + base64url("{\"oid\":\"\(oid)\",\"exp\":\(expiresOn)}") + ".s\(serial)"
    }

    /// Expires every token whose time has passed (half a second of grace): counts the connections
    /// still on it, then deletes its user, which closes them.
    func expireDue() async throws {
        let now = Date().timeIntervalSince1970
        let due = issued.withLockedValue { tokens in
            let due = tokens.filter { Double($0.expiresOn) + 0.5 <= now }
            tokens.removeAll { Double($0.expiresOn) + 0.5 <= now }
            return due
        }
        for token in due {
            // redis-server 7.0's CLIENT LIST has no USER filter: each line names its client's user.
            let list = try await redis.send(["CLIENT", "LIST"]).text ?? ""
            let still = list.split(separator: "\n").count { $0.contains(" user=\(token.user) ") }
            staleConnections.withLockedValue { $0.append(still) }
            _ = try await redis.send(["ACL", "DELUSER", token.user])
        }
    }

    /// Runs `body` with a live endpoint issuing tokens of `ttlSeconds` (and its port), on the plain
    /// test Redis; then deletes the users it made, whatever happened.
    static func serving(ttlSeconds: Int64, _ body: @escaping @Sendable (IdentityEndpoint, Int) async throws -> Void) async throws {
        let admin = RedisPool(endpoint: try RedisEndpoint.parse(try TestEnvironment.plainRedisURL()), size: 1, timeoutMilliseconds: 5000)
        let endpoint = IdentityEndpoint(ttlSeconds: ttlSeconds, redis: admin)
        do {
            try await endpoint.application().test(.live) { client in
                guard let port = client.port else { throw RedisError.connection("the identity endpoint has no port") }
                try await body(endpoint, port)
            }
        } catch {
            await endpoint.removeAll()
            await admin.close()
            throw error
        }
        await endpoint.removeAll()
        await admin.close()
    }

    /// Deletes every user still there.
    func removeAll() async {
        for token in issued.withLockedValue({ $0 }) { _ = try? await redis.send(["ACL", "DELUSER", token.user]) }
    }
}
