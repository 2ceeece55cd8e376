import ChargebackRedis
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The handler's metrics, recorded through swift-metrics into a Prometheus registry of its own
/// (never the global `MetricsSystem`, so each application and test has its own figures) and served
/// by `GET /api/v1/metrics`. Label values come from closed sets (function names, status codes,
/// error codes, outcomes), never from payloads: no subscription, deployment or request id here.
public final class Telemetry: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Ingest requests and failures per UTC hour, for the error-rate alert (flushed to Redis).
    public let tally = IngestTally()
    /// Handles made once per label set: the ingest path records five values per request, and making
    /// a handle validates its name and labels each time.
    let handles = NIOLockedValueBox<[HandleKey: any Sendable]>([:])

    struct HandleKey: Hashable, Sendable {
        var name: String
        var first: String = ""
        var second: String = ""
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.functionDuration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        factory.durationHistogramBuckets[Name.redisDuration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        factory.valueHistogramBuckets[Name.payloadBytes] = [1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864]
        self.registry = registry
        self.factory = factory
        // Shown at zero from the first scrape, so a rate() over them starts at once.
        for outcome in ["recorded", "duplicate", "spooled", "refused", "failed"] {
            counter(Name.ingestEvents, ("outcome", outcome)).increment(by: 0)
        }
        for outcome in ["delivered", "failed", "already_sent", "not_configured"] {
            counter(Name.alerts, ("outcome", outcome)).increment(by: 0)
        }
        counter(Name.deploymentsCapped).increment(by: 0)
        counter(Name.ownerUnknown).increment(by: 0)
    }

    /// The metric names, as Prometheus shows them.
    public enum Name {
        public static let invocations = "chargeback_function_invocations_total"
        public static let functionDuration = "chargeback_function_duration_seconds"
        public static let ingestEvents = "chargeback_ingest_events_total"
        public static let payloadBytes = "chargeback_ingest_payload_bytes"
        public static let extractionErrors = "chargeback_extraction_errors_total"
        public static let redisDuration = "chargeback_redis_ledger_write_seconds"
        public static let redisErrors = "chargeback_redis_errors_total"
        public static let spoolReplayed = "chargeback_spool_replayed_events_total"
        public static let spoolReplayedDuplicates = "chargeback_spool_replayed_duplicates_total"
        public static let rollupDays = "chargeback_rollup_days_total"
        public static let alerts = "chargeback_alerts_total"
        public static let deploymentsCapped = "chargeback_ledger_deployments_capped_total"
        public static let ownerUnknown = "chargeback_ledger_owner_unknown_total"
        public static let ledgerRefused = "chargeback_ledger_refused_total"
    }

    /// One function invocation: its status code and how long it took (rollup duration is the
    /// `rollup` function's histogram). An ingest answered 4xx or 5xx counts as a failure for the
    /// error-rate alert.
    public func invocation(function: String, status: Int, nanoseconds: Int64) {
        let code = String(status)
        counter(Name.invocations, ("function", function), ("status", code)).increment()
        timer(Name.functionDuration, ("function", function)).recordNanoseconds(nanoseconds)
        if function == IngestFunction.name { tally.add(failed: status >= 400) }
    }

    /// One ingest request's outcome (`recorded`, `duplicate`, `spooled`, `refused`, `failed`) and body size.
    public func ingested(outcome: String, bytes: Int) {
        counter(Name.ingestEvents, ("outcome", outcome)).increment()
        handle(HandleKey(name: Name.payloadBytes)) { Recorder(label: Name.payloadBytes, factory: factory) }.record(bytes)
    }

    /// An envelope refused by extraction, by its error code.
    public func extractionError(code: String) {
        counter(Name.extractionErrors, ("reason", code)).increment()
    }

    /// A ledger write that reached Redis, with its round trip.
    public func redisWrite(nanoseconds: Int64) {
        timer(Name.redisDuration).recordNanoseconds(nanoseconds)
    }

    /// Redis refused or could not be reached during `operation` (`ingest`, `spool_replay`).
    public func redisError(operation: String) {
        counter(Name.redisErrors, ("operation", operation)).increment()
    }

    /// A spool replay pass that moved `events` into Redis, `duplicates` of them already counted.
    public func spoolReplayed(events: Int, duplicates: Int) {
        counter(Name.spoolReplayed).increment(by: events)
        counter(Name.spoolReplayedDuplicates).increment(by: duplicates)
    }

    /// One day handled by the rollup (`written`, `unchanged`, `busy`).
    public func rollupDay(outcome: String) {
        counter(Name.rollupDays, ("outcome", outcome)).increment()
    }

    /// What the ledger noticed: an event counted under `(unlisted)` because its subscription reached
    /// the day's cap of deployments outside the price book (alert on any increase: a client is
    /// spraying deployment names, or the price book misses a deployment), a result billed to its
    /// caller for want of a recorded creator, or an event refused (`counter_overflow`).
    public func ledgerNotice(_ notice: LedgerNotice) {
        switch notice {
        case .deploymentCapped: counter(Name.deploymentsCapped).increment()
        case .ownerUnknown: counter(Name.ownerUnknown).increment()
        case let .refused(code): counter(Name.ledgerRefused, ("reason", code)).increment()
        }
    }

    /// One alert delivery (`delivered`, `failed`, `already_sent`, `not_configured`).
    public func alert(outcome: String) {
        counter(Name.alerts, ("outcome", outcome)).increment()
    }

    /// The counter `name` with up to two labels, made on first use.
    func counter(_ name: String, _ first: (String, String)? = nil, _ second: (String, String)? = nil) -> CoreMetrics.Counter {
        handle(HandleKey(name: name, first: first?.1 ?? "", second: second?.1 ?? "")) {
            CoreMetrics.Counter(label: name, dimensions: [first, second].compactMap { $0 }, factory: factory)
        }
    }

    /// The duration histogram `name` with up to one label, made on first use.
    func timer(_ name: String, _ label: (String, String)? = nil) -> Metrics.Timer {
        handle(HandleKey(name: name, first: label?.1 ?? "")) {
            Metrics.Timer(label: name, dimensions: label.map { [$0] } ?? [], factory: factory)
        }
    }

    func handle<Handle: Sendable>(_ key: HandleKey, make: () -> Handle) -> Handle {
        handles.withLockedValue { handles in
            if let existing = handles[key] as? Handle { return existing }
            let made = make()
            handles[key] = made
            return made
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
