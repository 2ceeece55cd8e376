import ArgumentParser
import ChargebackApp
import ChargebackCore
import ChargebackRedis
import CivilCalendar
import FoundationEssentials

/// `chargeback inspect`: what the ledger and the snapshots hold, as one JSON object, read through
/// the same adapters as the handler. The reliability suite and `scripts/bench` check Redis through
/// it, so no Redis key or field is spelled outside `RedisKeys.swift`.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print what Redis holds for subscriptions and days, as JSON (read-only).",
        discussion: """
        --day D --subscription S…: per subscription its dedupe ids, hash slot and counters per deployment on D. \
        --snapshot D: the day's latest revision, the revisions present and its lines. --month M: the latest \
        revision of every snapshotted day of M. --record-call FILE: the record script and the call the ledger \
        makes for that envelope (scripts/bench runs it under redis-benchmark). Exit 1 when Redis fails.
        """)

    @Option(help: "The UTC day (YYYY-MM-DD) of the ledger counters.") var day: String?
    @Option(help: "A subscription to report (repeatable; needs --day).") var subscription: [String] = []
    @Option(help: "A UTC day whose snapshot to report (repeatable).") var snapshot: [String] = []
    @Option(help: "A month (YYYY-MM) whose days' latest revisions to report (repeatable).") var month: [String] = []
    @Option(help: "An envelope file: print the record script's call for its event.") var recordCall: String?

    struct Report: Encodable {
        var subscriptions: [String: SubscriptionState] = [:]
        var snapshots: [String: SnapshotState] = [:]
        var months: [String: [String: Int]] = [:]
        var recordCall: RecordCall?
    }

    struct SubscriptionState: Encodable {
        var slot: Int
        var dedupeIds: [String]
        var deployments: [String: UsageSummary.Group]
    }

    struct SnapshotState: Encodable {
        var latest: Int?
        var revisions: [Int]
        var lines: [Line]
    }

    struct Line: Encodable {
        var costCenter, subscription, deployment, model, meter: String
        var quantity: Int64
        var priceVersion: String?
    }

    struct RecordCall: Encodable {
        var before: [[String]]
        var script: String
        var keys: [String]
        var arguments: [String]
    }

    func run() async throws {
        let configuration = ChargebackCommand.toolConfiguration("inspect")
        let day = try self.day.map { try Self.civilDay($0, option: "--day") }
        if !subscription.isEmpty && day == nil { throw ValidationError("--subscription needs --day") }
        let snapshotDays = try snapshot.map { try Self.civilDay($0, option: "--snapshot") }
        let months = try month.map { text in
            guard let month = CivilDay.parse(text + "-01")?.month else { throw ValidationError("--month '\(text)' is not a YYYY-MM month") }
            return month
        }
        let redis = ChargebackApplication.redis(configuration)
        var report = Report()
        do {
            if let day, !subscription.isEmpty {
                let usage = try await LedgerReader(redis: redis).usage(on: day, only: Set(subscription))
                let inspector = LedgerInspector(redis: redis)
                for name in subscription {
                    var deployments: [String: [Counter: Int64]] = [:]
                    for record in usage where record.subscription == name {
                        deployments[record.deployment, default: [:]].merge(record.counters, uniquingKeysWith: +)
                    }
                    report.subscriptions[name] = SubscriptionState(
                        slot: LedgerInspector.slot(subscription: name), dedupeIds: try await inspector.dedupeIds(subscription: name),
                        deployments: deployments.reduce(into: [:]) { $0[$1.key] = UsageSummary.Group(key: $1.key, counters: $1.value) })
                }
            }
            let store = SnapshotStore(redis: redis, retentionDays: configuration.snapshotRetentionDays)
            for day in snapshotDays {
                let latest = try await store.latest(day)
                report.snapshots[day.description] = SnapshotState(
                    latest: latest?.revision, revisions: try await LedgerInspector(redis: redis).revisions(day),
                    lines: (latest?.lines ?? []).map {
                        Line(costCenter: $0.key.costCenter, subscription: $0.key.subscription, deployment: $0.key.deployment,
                             model: $0.key.model, meter: $0.key.meter, quantity: $0.quantity, priceVersion: $0.key.price?.version)
                    })
            }
            for month in months {
                report.months[month.description] = try await store.summaries(month).reduce(into: [:]) { $0[$1.key.description] = $1.value.revision }
            }
            if let recordCall {
                let pricer = try? PricerLoader.load(configuration).get()
                report.recordCall = try Self.call(envelope: recordCall, ledger: ChargebackApplication.ledger(configuration, redis: redis, pricer: pricer))
            }
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback inspect: \(error)")
        }
        await redis.close()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    static func civilDay(_ text: String, option: String) throws -> CivilDay {
        guard let day = CivilDay.parse(text) else { throw ValidationError("\(option) '\(text)' is not a YYYY-MM-DD date") }
        return day
    }

    /// The ledger's script call for the event of an envelope file, as the handler would make it.
    static func call(envelope path: String, ledger: RedisLedger) throws -> RecordCall {
        let event = try UsageExtractor().extract(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let call = ledger.recordCall(for: event)
        return RecordCall(before: call.before, script: call.script, keys: call.keys, arguments: call.arguments)
    }
}
