/// Finds the current primary through Redis Sentinel, as the Sentinel client guidelines describe
/// (https://redis.io/docs/latest/develop/reference/sentinel-clients/): ask each Sentinel in turn
/// `SENTINEL get-master-addr-by-name <name>`, take the first answer; the caller then checks `ROLE`
/// on the address and asks again on every reconnect, so after a failover the pool follows the new
/// primary. For self-managed Redis (and the local failover test); Azure's Redis services fail over
/// behind one endpoint and need none of this.
public struct SentinelResolver: Sendable {
    public let sentinels: [RedisEndpoint]
    public let primaryName: String

    public init(sentinels: [RedisEndpoint], primaryName: String) {
        self.sentinels = sentinels
        self.primaryName = primaryName
    }

    /// The primary's address, with the credentials, TLS and database of `template`.
    func primary(like template: RedisEndpoint, tls: RedisTLS, timeoutMilliseconds: Int) async throws -> RedisEndpoint {
        var reasons: [String] = []
        for sentinel in sentinels {
            do {
                let connection = try await RedisConnection.connect(to: sentinel, tls: tls, timeoutMilliseconds: min(timeoutMilliseconds, 500))
                let answer = try? await connection.send(["SENTINEL", "get-master-addr-by-name", primaryName])
                await connection.close()
                guard case let .array(parts)? = answer, parts.count == 2,
                      let host = parts[0].text, let portText = parts[1].text, let port = Int(portText) else {
                    reasons.append("\(sentinel) does not know '\(primaryName)'")
                    continue
                }
                var endpoint = template
                endpoint.host = host
                endpoint.port = port
                return endpoint
            } catch {
                reasons.append("\(sentinel): \(error)")
            }
        }
        throw RedisError.connection("no Sentinel named the primary '\(primaryName)': \(reasons.joined(separator: "; "))")
    }
}
