/// How the handler authenticates to Redis.
public enum RedisAuthMode: Sendable, Equatable {
    /// The connection string's password, if any (Azure Cache for Redis with access keys, local Redis).
    case password
    /// Microsoft Entra ID (Azure Managed Redis, access keys disabled): AUTH with the managed
    /// identity's token for `https://redis.azure.com`, from the platform's identity endpoint.
    case entra(EntraSettings)

    /// Where the token comes from and who it names.
    public struct EntraSettings: Sendable, Equatable {
        /// `IDENTITY_ENDPOINT`, set by App Service / Azure Functions when the app has a managed identity.
        public var endpoint: String
        /// `IDENTITY_HEADER`: the secret the endpoint wants in `X-IDENTITY-HEADER`. Never logged.
        public var secret: String
        /// `REDIS_ENTRA_CLIENT_ID`: a user-assigned identity's client id; nil: the system-assigned identity.
        public var clientID: String?
        /// `REDIS_ENTRA_USER`: the AUTH user; nil: the token's `oid` claim (the identity's object id).
        public var user: String?
    }

    /// The Entra token audience of Azure Managed Redis and Azure Cache for Redis.
    public static let redisResource = "https://redis.azure.com"

    /// `REDIS_AUTH`, and with `entra` the identity endpoint's settings; a clear error when one is missing.
    static func fromEnvironment(_ environment: [String: String]) throws(Configuration.Error) -> RedisAuthMode {
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        switch (environment["REDIS_AUTH"] ?? "password").lowercased() {
        case "password", "": return .password
        case "entra":
            guard let endpoint = nonEmpty(environment["IDENTITY_ENDPOINT"]), let secret = nonEmpty(environment["IDENTITY_HEADER"]) else {
                throw Configuration.Error(description: "REDIS_AUTH=entra needs IDENTITY_ENDPOINT and IDENTITY_HEADER: give the Function App a managed identity")
            }
            return .entra(EntraSettings(endpoint: endpoint, secret: secret, clientID: nonEmpty(environment["REDIS_ENTRA_CLIENT_ID"]), user: nonEmpty(environment["REDIS_ENTRA_USER"])))
        case let other:
            throw Configuration.Error(description: "REDIS_AUTH='\(other)' must be password or entra")
        }
    }
}
