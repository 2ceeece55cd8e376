import RedisClient
import Testing

@Suite("Redis connection strings")
struct RedisEndpointTests {
    @Test("accepted forms", arguments: [
        ("redis://127.0.0.1:6379", RedisEndpoint(host: "127.0.0.1", port: 6379)),
        ("redis://cache", RedisEndpoint(host: "cache", port: 6379)),
        ("rediss://app:p%40ss@cache.redis.cache.windows.net:6380/2",
         RedisEndpoint(host: "cache.redis.cache.windows.net", port: 6380, user: "app", password: "p@ss", database: 2, usesTLS: true)),
        ("redis://:secret@[::1]:7000", RedisEndpoint(host: "::1", port: 7000, password: "secret")),
        ("cache.redis.cache.windows.net:6380,password=abc=,ssl=True,abortConnect=False",
         RedisEndpoint(host: "cache.redis.cache.windows.net", port: 6380, password: "abc=", usesTLS: true)),
        ("cache.redis.cache.windows.net,password=x,ssl=True,user=oid-123",
         RedisEndpoint(host: "cache.redis.cache.windows.net", port: 6380, user: "oid-123", password: "x", usesTLS: true)),
        ("localhost:6379,defaultDatabase=3", RedisEndpoint(host: "localhost", port: 6379, database: 3)),
    ])
    func parses(text: String, expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint.parse(text) == expected)
    }

    @Test("malformed strings are refused with a reason", arguments: [
        "", "redis://", "redis://host:notaport", "redis://host:70000", "redis://host/db", "password=x", "host,ssl",
    ])
    func refuses(text: String) {
        #expect(throws: RedisError.self) { try RedisEndpoint.parse(text) }
    }

    @Test("the description never shows the password")
    func descriptionHidesPassword() throws {
        let endpoint = try RedisEndpoint.parse("rediss://u:topsecret@h:6380")
        #expect(!endpoint.description.contains("topsecret"))
        #expect(!"\(RedisError.invalidConnectionString("x"))".contains("topsecret"))
    }
}
