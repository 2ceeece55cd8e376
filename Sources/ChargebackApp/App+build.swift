import AzureIdentity
import ChargebackCore
import CurlClient
import FoundationEssentials
import Hummingbird
import Logging
import NIOPosix
import ChargebackRecords
import ChargebackRedis
import RedisClient
import ServiceLifecycle
import ChargebackUseCases
import ChargebackSpool

/// The composition root: the only place that names concrete types (Redis pools, the ledger, functions).
public enum ChargebackApplication {
    /// The Redis router the configuration asks for.
    public static func redis(_ configuration: Configuration) -> any RedisCommandRouter {
        let tls = RedisTLS(caFile: configuration.redisCAFile)
        let credentials = redisCredentials(configuration.redisAuth)
        if configuration.redisCluster {
            return RedisClusterPool(seeds: [configuration.redis], tls: tls, poolSize: configuration.redisPoolSize,
                                    timeoutMilliseconds: configuration.redisTimeoutMilliseconds, credentials: credentials,
                                    durability: configuration.durability)
        }
        return RedisPool(endpoint: configuration.redis, tls: tls, size: configuration.redisPoolSize,
                         timeoutMilliseconds: configuration.redisTimeoutMilliseconds, credentials: credentials,
                         durability: configuration.durability, sentinel: configuration.sentinel)
    }

    /// With Microsoft Entra: the managed identity's token for Redis as the password, its object id
    /// (or `REDIS_ENTRA_USER`) as the user, renewed ahead of expiry; nil: the connection string's password.
    static func redisCredentials(_ mode: RedisAuthMode) -> RedisCredentials? {
        guard case let .entra(settings) = mode else { return nil }
        let identity = ManagedIdentityCredential(endpoint: settings.endpoint, secret: settings.secret, clientID: settings.clientID)
        return {
            let (token, renewAt) = try await identity.token(for: RedisAuthMode.redisResource, jitterBound: RedisConnection.renewalJitterBound)
            guard let user = settings.user ?? token.objectID else {
                throw RedisError.connection("the managed identity's token has no oid claim: set REDIS_ENTRA_USER to the identity's object id")
            }
            return RedisAuthentication(user: user, password: token.token, renewAt: renewAt)
        }
    }

    /// The record archive `CHARGEBACK_RECORDS` names; nil when records are off.
    public static func archive(_ configuration: Configuration) -> (any RecordArchive)? {
        switch configuration.records {
        case .none: return nil
        case let .folder(path): return FolderArchive(root: path)
        case let .blob(containerURL, identity):
            let credential = ManagedIdentityCredential(endpoint: identity.endpoint, secret: identity.secret, clientID: identity.clientID)
            return BlobArchive(containerURL: containerURL) { try await credential.token(for: RecordsSetting.storageResource).token.token }
        }
    }

    /// The Redis ledger as `configuration` sets it up: dedupe and retention windows, the object
    /// markers' windows, the deployment cap over the price book's deployments (none listed when
    /// pricing is unavailable: every deployment then counts toward the cap). The handler and
    /// `chargeback replay` use the same one, so a replayed event is counted as a live one would be.
    public static func ledger(_ configuration: Configuration, redis: any RedisCommandRouter, pricer: Pricer?,
                              telemetry: Telemetry = Telemetry(), logger: Logger = Logger(label: "chargeback.ledger")) -> RedisLedger {
        let owners = ObjectOwners(redis: redis, responseMarkerDays: configuration.responseMarkerDays, objectMarkerDays: configuration.objectMarkerDays)
        return RedisLedger(redis: redis, dedupeDays: configuration.dedupeDays, retentionDays: configuration.retentionDays, owners: owners,
                           deploymentCap: configuration.deploymentCap, listedDeployments: Set(pricer?.book.deployments.keys.map { $0 } ?? []),
                           observe: { notice in
                               telemetry.ledgerNotice(notice)
                               // The alert (infrastructure/alerts.tf, ledger failures) reads this line:
                               // a client spraying deployment names, or a price book missing one.
                               if notice == .deploymentCapped {
                                   logger.warning("deployment cap reached; counted as (unlisted)", metadata: [
                                       "ledger.deployment_cap": "\(configuration.deploymentCap)",
                                   ])
                               }
                           })
    }

    /// Builds the handler application for `configuration`; tests may pass their own `ledger`, and the
    /// environment the alert channels read their URLs from.
    public static func build(_ configuration: Configuration, logger: Logger, ledger: (any Ledger)? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             telemetry: Telemetry = Telemetry()) -> some ApplicationProtocol {
        let redis = redis(configuration)
        let spool = EventSpool(directory: configuration.spoolDirectory, maxBytes: configuration.spoolMaxBytes)
        let router = Router()
        let money = MoneyServices(pricer: PricerLoader.load(configuration))
        if case let .failure(error) = money.pricer {
            logger.error("pricing unavailable: rollup and reports will answer 503", metadata: ["error.reason": "\(error)"])
        }
        let redisLedger = Self.ledger(configuration, redis: redis, pricer: try? money.pricer.get(), telemetry: telemetry, logger: logger)
        let owners = redisLedger.owners
        let keyRoles = KeyRoles(ingest: configuration.ingestKeyHashes, fullReport: configuration.reportKeyHashes,
                                costCenters: try? money.pricer.get().costCenters)
        if !keyRoles.conflicting.isEmpty {
            logger.error("a key hash is listed under two roles; it is refused everywhere", metadata: ["access.conflicting_hashes": "\(keyRoles.conflicting.count)"])
        }
        if keyRoles.ingest.isEmpty {
            logger.warning("no ingest key configured (CHARGEBACK_INGEST_KEY_SHA256): every ingest will be refused")
        }
        let routes = FunctionRoutes(routePrefix: configuration.routePrefix, maxBodyBytes: configuration.maxBodyBytes, logger: logger,
                                    telemetry: telemetry, keyRoles: keyRoles)
        routes.addReadiness(to: router)
        let ingestLedger = ledger ?? SpoolingLedger(primary: redisLedger, spool: spool, logger: logger)
        routes.add(IngestFunction(ledger: ingestLedger, maxEnvelopeBytes: configuration.maxEnvelopeBytes), to: router)
        // The relay records through the same ledger (and spool) as ingest: one event, one exactly-once id.
        // A relayed stream holds a thread for its whole life (libcurl's easy interface), so streams get
        // a pool of their own: they never wait behind, or hold up, the webhook and archive calls.
        let relayThreads = NIOThreadPool(numberOfThreads: configuration.relayConcurrency)
        if case .upstream = configuration.relay { relayThreads.start() }
        // Its write-ahead estimates wait beside the spool; the replayer adopts those a dead handler left.
        let journal = RelayJournal(spool: spool)
        routes.add(RelayFunction(setting: configuration.relay, ledger: ingestLedger, curl: CurlHTTPClient(threadPool: relayThreads),
                                 maxEnvelopeBytes: configuration.maxEnvelopeBytes, concurrency: configuration.relayConcurrency, journal: journal), to: router)
        let reader = LedgerReader(redis: redis)
        let store = SnapshotStore(redis: redis, retentionDays: configuration.snapshotRetentionDays)
        routes.add(UsageSummaryFunction(money: money, reader: reader), to: router)
        routes.add(ChargebackReportFunction(money: money, focus: configuration.focus) { ReportSource(counters: reader, store: store, pricer: $0) }, to: router)
        let alertLedger = AlertLedger(redis: redis)
        let health = IngestHealthStore(redis: redis)
        let budgets = BudgetServices(book: BudgetServices.load(configuration, pricer: money.pricer), reader: reader, store: store, health: health,
                                     alerts: alertLedger) { book in
            AlertDispatcher(ledger: alertLedger, sender: WebhookSender(), channels: book.channels, environment: environment, telemetry: telemetry)
        }
        if case let .failure(error) = budgets.book {
            logger.error("budgets unavailable: budget checks and status will answer 503", metadata: ["error.reason": "\(error)"])
        }
        routes.add(BudgetStatusFunction(money: money, budgets: budgets), to: router)
        routes.add(timer: BudgetCheckFunction(money: money, budgets: budgets), to: router)
        routes.add(HealthFunction(ping: { await redis.ping() }), to: router)
        routes.add(MetricsFunction(), to: router)
        routes.add(OwnerFunction { try await owners.owner(of: $0) }, to: router)
        let archive = Self.archive(configuration)
        routes.add(timer: RollupFunction(money: money, graceHours: configuration.rollupGraceHours, catchUpDays: configuration.rollupCatchUpDays) {
            Rollup(counters: reader, store: store, pricer: $0, logger: $1, counterRetentionDays: configuration.retentionDays, archive: archive,
                   focus: configuration.focus)
        }, to: router)
        if configuration.benchmarkRoutes {
            // The ceiling `scripts/bench` compares ingest with: same server, same body, no work.
            router.post("/bench/noop") { request, _ in
                _ = try await request.body.collect(upTo: configuration.maxEnvelopeBytes)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
        }
        var services: [any Service] = [
            SpoolReplayer(ledger: redisLedger, spool: spool, logger: logger, journal: journal) { replay in
                if let replay { telemetry.spoolReplayed(events: replay.events, duplicates: replay.duplicates) } else { telemetry.redisError(operation: "spool_replay") }
            },
            IngestTallyFlusher(tally: telemetry.tally, store: health),
        ]
        if configuration.redisAuth != .password { services.append(RedisCredentialRenewal(redis: redis)) }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            services: services,
            logger: logger)
    }
}
