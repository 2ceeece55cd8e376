import FoundationEssentials

/// A Microsoft Entra access token from the managed identity endpoint, and what a client needs of
/// it without trusting it: when it expires and whose it is. The token is never logged.
public struct AccessToken: Sendable, Equatable {
    /// The bearer token (a JWT).
    public var token: String
    /// When it stops being accepted (seconds since the epoch).
    public var expiresOn: Int64
    /// The `oid` claim: the identity's object id (Azure Managed Redis's AUTH user); nil when absent.
    public var objectID: String?

    public init(token: String, expiresOn: Int64, objectID: String? = nil) {
        self.token = token
        self.expiresOn = expiresOn
        self.objectID = objectID
    }

    /// When to use a new token: 5 minutes before expiry (Azure asks Redis clients to re-authenticate
    /// at least 3 minutes before), or halfway through a token shorter than 10 minutes.
    public func renewAt(issuedAt: Int64) -> Int64 {
        expiresOn - min(300, max(0, expiresOn - issuedAt) / 2)
    }

    /// The `oid` claim of a JWT's payload (base64url JSON), read without verifying the signature:
    /// only the server that accepts the token needs to trust it.
    public static func objectID(ofJWT jwt: String) -> String? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = String(parts[1].map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let claims = try? JSONDecoder().decode(Claims.self, from: data) else { return nil }
        return claims.oid
    }

    struct Claims: Decodable {
        var oid: String?
    }
}
