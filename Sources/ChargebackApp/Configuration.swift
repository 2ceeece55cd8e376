import ChargebackCore
import RedisClient

/// Everything the handler reads from its environment, read in this one place.
public struct Configuration: Sendable {
    /// TCP port on 127.0.0.1 (`FUNCTIONS_CUSTOMHANDLER_PORT`, or `--port`).
    public var port: Int
    /// Route prefix of forwarded requests; must equal host.json `extensions.http.routePrefix` (`CHARGEBACK_ROUTE_PREFIX`, default `api`).
    public var routePrefix: String
    /// The Redis server (`REDIS_CONNECTION_STRING`, default `redis://127.0.0.1:6379`).
    public var redis: RedisEndpoint
    /// Redis connect and command timeout (`REDIS_TIMEOUT_MS`, default 1000).
    public var redisTimeoutMilliseconds: Int
    /// The largest request body accepted, in bytes (`CHARGEBACK_MAX_BODY_BYTES`, default 160 MiB:
    /// a 100 MB host request grows when escaped into a JSON-protocol invocation).
    public var maxBodyBytes: Int
    /// A PEM file of CAs trusted for Redis TLS (`REDIS_TLS_CA_FILE`); nil trusts the system roots.
    public var redisCAFile: String?
    /// True for a Redis Cluster (`REDIS_CLUSTER=true`; Azure "OSS clustering policy").
    public var redisCluster = false
    /// Connections per Redis server (`REDIS_POOL_SIZE`, default 4).
    public var redisPoolSize = 4
    /// How the handler authenticates to Redis (`REDIS_AUTH`): `password` (default: the connection
    /// string's, if any) or `entra` (the managed identity's Microsoft Entra token, renewed on live connections).
    public var redisAuth = RedisAuthMode.password
    /// How long a `requestId` is remembered against redelivery (`CHARGEBACK_DEDUPE_DAYS`, default 7).
    public var dedupeDays = 7
    /// How long hourly counters are kept (`CHARGEBACK_RETENTION_DAYS`, default 35).
    public var retentionDays = 35
    /// How long a response's owner and billing marker are kept, renewed on use
    /// (`CHARGEBACK_RESPONSE_MARKER_DAYS`, default 35: Azure keeps stored responses 30 days; at least 31).
    public var responseMarkerDays = 35
    /// How long a batch's or file's owner and billing marker are kept, renewed on use
    /// (`CHARGEBACK_OBJECT_MARKER_DAYS`, default 400: Azure does not expire batch jobs, and files
    /// live until deleted unless uploaded with an expiry of at most 30 days; at least 31).
    public var objectMarkerDays = 400
    /// Distinct deployments outside the price book one subscription may add in a UTC day; later
    /// ones are counted as `(unlisted)` (`CHARGEBACK_DEPLOYMENT_CAP`, default 50).
    public var deploymentCap = 50
    /// Where events wait while Redis is unavailable (`CHARGEBACK_SPOOL_DIR`, default `/tmp/chargeback-spool`).
    /// `%NAME%` is replaced by that environment variable, e.g. `/home/data/chargeback-spool/%WEBSITE_INSTANCE_ID%`
    /// gives each instance its own folder on a share (appends from several machines never interleave).
    public var spoolDirectory = "/tmp/chargeback-spool"
    /// The spool's size bound (`CHARGEBACK_SPOOL_MAX_BYTES`, default 64 MiB); full → 503 `spool_full`.
    public var spoolMaxBytes = 64 * 1024 * 1024
    /// The largest envelope `ingest` accepts (`CHARGEBACK_MAX_ENVELOPE_BYTES`, default 16 MiB); larger is 413.
    public var maxEnvelopeBytes: Int = 16 * 1024 * 1024
    /// The price book file (`CHARGEBACK_PRICE_BOOK`, default `config/price-book.json`, relative to the app root).
    public var priceBookPath = "config/price-book.json"
    /// The cost-center file (`CHARGEBACK_COST_CENTERS`, default `config/cost-centers.json`); a missing
    /// default file maps every subscription to `unassigned`.
    public var costCentersPath = "config/cost-centers.json"
    /// True when `CHARGEBACK_COST_CENTERS` was set (then the file must exist).
    public var costCentersPathIsExplicit = false
    /// Budgets and alert channels (`CHARGEBACK_BUDGETS`, default `config/budgets.json`); a missing
    /// default file means no budgets.
    public var budgetsPath = "config/budgets.json"
    /// True when `CHARGEBACK_BUDGETS` was set (then the file must exist).
    public var budgetsPathIsExplicit = false
    /// Hours after UTC midnight before a day counts as closed (`CHARGEBACK_ROLLUP_GRACE_HOURS`, default 2).
    public var rollupGraceHours = 2
    /// Closed days each scheduled rollup covers, catching up missed runs and late events (`CHARGEBACK_ROLLUP_CATCHUP_DAYS`, default 7).
    public var rollupCatchUpDays = 7
    /// How long snapshots are kept (`CHARGEBACK_SNAPSHOT_RETENTION_DAYS`, default 400).
    public var snapshotRetentionDays = 400
    /// What the FOCUS export says about who issues the chargeback and what it is charged on
    /// (`CHARGEBACK_OPENAI_RESOURCE_ID`, `CHARGEBACK_BILLING_ACCOUNT_ID`, `CHARGEBACK_BILLING_ACCOUNT_NAME`,
    /// `CHARGEBACK_INVOICE_ISSUER`; Terraform sets them).
    public var focus = FocusExport.Context(
        openAIResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/local-openai",
        billingAccountId: "00000000-0000-0000-0000-000000000000", billingAccountName: "local development", invoiceIssuer: "Azure OpenAI chargeback")
    /// When a ledger or snapshot write is acknowledged (`CHARGEBACK_DURABILITY`: `none`, `replica`:
    /// `WAIT` for `CHARGEBACK_DURABILITY_REPLICAS` replicas, `aof`: `WAITAOF 1 0`); default none.
    public var durability = RedisDurability.none
    /// Redis Sentinel (`REDIS_SENTINELS`, `REDIS_SENTINEL_PRIMARY`): the primary is asked of them on
    /// every connect, so the handler follows a failover; nil: `REDIS_CONNECTION_STRING`'s host.
    public var sentinel: SentinelResolver?
    /// Where every snapshot revision and the day's export are also archived (`CHARGEBACK_RECORDS`:
    /// a folder, or a Blob container's URL; unset: Redis holds the only copy).
    public var records = RecordsSetting.none
    /// Where the relay sends streamed calls (`CHARGEBACK_RELAY_UPSTREAM`, `CHARGEBACK_RELAY_AUTH`,
    /// `CHARGEBACK_RELAY_CLIENT_ID`); off: the relay function answers 503.
    public var relay = RelaySetting.off
    /// Relayed streams at once (`CHARGEBACK_RELAY_CONCURRENCY`): each holds a thread while it streams.
    public var relayConcurrency = 64
    /// SHA-256 (hex) of the ingest key, the function key APIM holds (`CHARGEBACK_INGEST_KEY_SHA256`,
    /// comma-separated to allow a rotation). Empty: every ingest is refused (403).
    public var ingestKeyHashes: Set<String> = []
    /// SHA-256 (hex) of the full-access report keys (`CHARGEBACK_REPORT_KEY_SHA256`, comma-separated);
    /// they read every cost center and the metrics. Cost-center keys live in the cost-center file.
    public var reportKeyHashes: Set<String> = []
    /// Serve `POST /bench/noop` for `scripts/bench` (`CHARGEBACK_BENCH_ROUTES=1`; off by default).
    public var benchmarkRoutes = false
    /// Minimum log level (`LOG_LEVEL`: trace, debug, info, notice, warning, error, critical; default info).
    public var logLevel: String

    /// Why the environment was refused.
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public init(port: Int, routePrefix: String = "api", redis: RedisEndpoint = RedisEndpoint(host: "127.0.0.1"),
                redisTimeoutMilliseconds: Int = 1000, maxBodyBytes: Int = 160 * 1024 * 1024, logLevel: String = "info") {
        self.port = port
        self.routePrefix = routePrefix
        self.redis = redis
        self.redisTimeoutMilliseconds = redisTimeoutMilliseconds
        self.maxBodyBytes = maxBodyBytes
        self.logLevel = logLevel
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads the configuration; `portOverride` (the `--port` flag) wins over the environment.
    public static func fromEnvironment(_ environment: [String: String], portOverride: Int? = nil) throws(Error) -> Configuration {
        func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(Error) -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw Error(description: "\(name)='\(text)' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        let port: Int
        if let portOverride {
            guard (0...65535).contains(portOverride) else { throw Error(description: "--port \(portOverride) is out of range") }
            port = portOverride
        } else {
            guard environment["FUNCTIONS_CUSTOMHANDLER_PORT"] != nil else {
                throw Error(description: "no port: the Functions host sets FUNCTIONS_CUSTOMHANDLER_PORT; for a direct run pass --port")
            }
            port = try integer("FUNCTIONS_CUSTOMHANDLER_PORT", default: 0, range: 1...65535)
        }
        let redis: RedisEndpoint
        do {
            redis = try RedisEndpoint.parse(environment["REDIS_CONNECTION_STRING"] ?? "redis://127.0.0.1:6379")
        } catch {
            throw Error(description: "REDIS_CONNECTION_STRING: \(error)")
        }
        let level = (environment["LOG_LEVEL"] ?? "info").lowercased()
        guard logLevels.contains(level) else {
            throw Error(description: "LOG_LEVEL='\(level)' must be one of \(logLevels.joined(separator: ", "))")
        }
        var prefix = environment["CHARGEBACK_ROUTE_PREFIX"] ?? "api"
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        var configuration = Configuration(
            port: port, routePrefix: prefix, redis: redis,
            redisTimeoutMilliseconds: try integer("REDIS_TIMEOUT_MS", default: 1000, range: 10...60_000),
            maxBodyBytes: try integer("CHARGEBACK_MAX_BODY_BYTES", default: 160 * 1024 * 1024, range: 1024...1_073_741_824),
            logLevel: level)
        configuration.maxEnvelopeBytes = try integer("CHARGEBACK_MAX_ENVELOPE_BYTES", default: 16 * 1024 * 1024, range: 1024...1_073_741_824)
        configuration.redisCAFile = environment["REDIS_TLS_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        switch (environment["REDIS_CLUSTER"] ?? "false").lowercased() {
        case "true", "1", "yes": configuration.redisCluster = true
        case "false", "0", "no", "": configuration.redisCluster = false
        default: throw Error(description: "REDIS_CLUSTER must be true or false")
        }
        configuration.redisPoolSize = try integer("REDIS_POOL_SIZE", default: 4, range: 1...64)
        configuration.redisAuth = try RedisAuthMode.fromEnvironment(environment)
        configuration.benchmarkRoutes = environment["CHARGEBACK_BENCH_ROUTES"] == "1"
        configuration.dedupeDays = try integer("CHARGEBACK_DEDUPE_DAYS", default: 7, range: 1...365)
        configuration.retentionDays = try integer("CHARGEBACK_RETENTION_DAYS", default: 35, range: 2...3650)
        configuration.responseMarkerDays = try integer("CHARGEBACK_RESPONSE_MARKER_DAYS", default: 35, range: 31...3650)
        configuration.objectMarkerDays = try integer("CHARGEBACK_OBJECT_MARKER_DAYS", default: 400, range: 31...3650)
        configuration.deploymentCap = try integer("CHARGEBACK_DEPLOYMENT_CAP", default: 50, range: 1...10_000)
        if let directory = environment["CHARGEBACK_SPOOL_DIR"], !directory.isEmpty {
            configuration.spoolDirectory = try expandingReferences(in: directory, setting: "CHARGEBACK_SPOOL_DIR", environment)
        }
        configuration.spoolMaxBytes = try integer("CHARGEBACK_SPOOL_MAX_BYTES", default: 64 * 1024 * 1024, range: 4096...68_719_476_736)
        if let path = environment["CHARGEBACK_PRICE_BOOK"], !path.isEmpty { configuration.priceBookPath = path }
        if let path = environment["CHARGEBACK_COST_CENTERS"], !path.isEmpty {
            configuration.costCentersPath = path
            configuration.costCentersPathIsExplicit = true
        }
        if let path = environment["CHARGEBACK_BUDGETS"], !path.isEmpty {
            configuration.budgetsPath = path
            configuration.budgetsPathIsExplicit = true
        }
        configuration.rollupGraceHours = try integer("CHARGEBACK_ROLLUP_GRACE_HOURS", default: 2, range: 0...72)
        configuration.rollupCatchUpDays = try integer("CHARGEBACK_ROLLUP_CATCHUP_DAYS", default: 7, range: 1...60)
        configuration.snapshotRetentionDays = try integer("CHARGEBACK_SNAPSHOT_RETENTION_DAYS", default: 400, range: 32...3650)
        configuration.records = try RecordsSetting.fromEnvironment(environment)
        configuration.relay = try RelaySetting.fromEnvironment(environment)
        configuration.relayConcurrency = try integer("CHARGEBACK_RELAY_CONCURRENCY", default: 64, range: 1...1024)
        if let resource = environment["CHARGEBACK_OPENAI_RESOURCE_ID"], !resource.isEmpty {
            let parts = resource.split(separator: "/")
            guard resource.hasPrefix("/subscriptions/"), parts.count >= 8, parts[2] == "resourceGroups", parts[4] == "providers" else {
                throw Error(description: "CHARGEBACK_OPENAI_RESOURCE_ID must be an Azure resource id (/subscriptions/…/providers/Microsoft.CognitiveServices/accounts/…)")
            }
            configuration.focus.openAIResourceId = resource
            configuration.focus.billingAccountId = String(parts[1])
            configuration.focus.billingAccountName = String(parts[1])
        }
        if let id = environment["CHARGEBACK_BILLING_ACCOUNT_ID"], !id.isEmpty { configuration.focus.billingAccountId = id }
        if let name = environment["CHARGEBACK_BILLING_ACCOUNT_NAME"], !name.isEmpty { configuration.focus.billingAccountName = name }
        if let issuer = environment["CHARGEBACK_INVOICE_ISSUER"], !issuer.isEmpty { configuration.focus.invoiceIssuer = issuer }
        let replicas = try integer("CHARGEBACK_DURABILITY_REPLICAS", default: 1, range: 1...16)
        switch (environment["CHARGEBACK_DURABILITY"] ?? "none").lowercased() {
        case "none", "": configuration.durability = .none
        case "replica": configuration.durability = .replicas(replicas)
        case "aof":
            // WAITAOF waits for the next fsync, up to a second with appendfsync everysec (Azure's only
            // choice); it gets a quarter of REDIS_TIMEOUT_MS, so that must leave it a second.
            guard configuration.redisTimeoutMilliseconds >= 4000 else {
                throw Error(description: "CHARGEBACK_DURABILITY=aof needs REDIS_TIMEOUT_MS of at least 4000 (the AOF is fsynced once a second)")
            }
            configuration.durability = .aof
        case let other: throw Error(description: "CHARGEBACK_DURABILITY='\(other)' must be none, replica or aof")
        }
        if let list = environment["REDIS_SENTINELS"], !list.isEmpty {
            guard let name = environment["REDIS_SENTINEL_PRIMARY"], !name.isEmpty else {
                throw Error(description: "REDIS_SENTINELS needs REDIS_SENTINEL_PRIMARY, the name Sentinel monitors the primary under")
            }
            var sentinels: [RedisEndpoint] = []
            for item in list.split(separator: ",") {
                let text = String(item.filter { $0 != " " })
                let parts = text.split(separator: ":")
                guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port), !parts[0].isEmpty else {
                    throw Error(description: "REDIS_SENTINELS: '\(text)' is not host:port")
                }
                sentinels.append(RedisEndpoint(host: String(parts[0]), port: port))
            }
            guard !configuration.redisCluster else { throw Error(description: "REDIS_SENTINELS and REDIS_CLUSTER=true exclude each other") }
            configuration.sentinel = SentinelResolver(sentinels: sentinels, primaryName: name)
        }
        configuration.ingestKeyHashes = try keyHashes("CHARGEBACK_INGEST_KEY_SHA256", environment)
        configuration.reportKeyHashes = try keyHashes("CHARGEBACK_REPORT_KEY_SHA256", environment)
        if !configuration.ingestKeyHashes.isDisjoint(with: configuration.reportKeyHashes) {
            throw Error(description: "CHARGEBACK_INGEST_KEY_SHA256 and CHARGEBACK_REPORT_KEY_SHA256 share a hash: the ingest key must not read reports")
        }
        return configuration
    }

    /// A comma-separated list of SHA-256 digests (64 hex digits each), lower-cased.
    static func keyHashes(_ name: String, _ environment: [String: String]) throws(Error) -> Set<String> {
        var hashes: Set<String> = []
        for part in (environment[name] ?? "").split(separator: ",") {
            let hash = part.filter { $0 != " " }.lowercased()
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw Error(description: "\(name): each entry must be a SHA-256 of a key as 64 hex digits (never the key itself)")
            }
            hashes.insert(hash)
        }
        return hashes
    }

    /// `text` with each `%NAME%` replaced by that environment variable's value (as the Functions host
    /// does for host.json arguments); a variable that is not set, or an unpaired `%`, is refused.
    static func expandingReferences(in text: String, setting: String, _ environment: [String: String]) throws(Error) -> String {
        let parts = text.split(separator: "%", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { throw Error(description: "\(setting)='\(text)' has an unpaired %") }
        var result = ""
        for (index, part) in parts.enumerated() {
            guard index % 2 == 1 else { result += part; continue }
            guard let value = environment[String(part)], !value.isEmpty, !value.contains("/") else {
                throw Error(description: "\(setting)='\(text)' names %\(part)%, which is not set (or holds a /)")
            }
            result += value
        }
        return result
    }
}
