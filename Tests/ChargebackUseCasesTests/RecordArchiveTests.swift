import ChargebackCore
import ChargebackMemory
import ChargebackRecords
import ChargebackUseCases
import CivilCalendar
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// Records that outlive the cache: every revision archived, the snapshots rebuilt from the archive.
@Suite("record archive: snapshots that outlive Redis")
struct RecordArchiveTests {
    func folder() -> String {
        NSTemporaryDirectory() + "records-" + UUID().uuidString
    }

    @Test("snapshots lost and restored from a folder archive give a byte-identical month report; a second restore changes nothing")
    func wipeAndRestore() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let scenario = RestoreScenario(harness: MoneyHarness(), archive: FolderArchive(root: root))
        let result = try await scenario.run { .memory() }
        #expect(result.after == result.before)
        let days = scenario.days
        // The first rollup on the new Redis finds no counters: it holds the restored days back
        // instead of writing a revision that bills nothing, and the report stays as it was.
        #expect(result.rollupAfter[days[0]] == .heldBack(revision: 2))
        #expect(result.rollupAfter[days[1]] == .heldBack(revision: 1))
        #expect(result.afterRollup == result.before)
        #expect(result.restore.restored == [days[0]: 1...2, days[1]: 1...1])
        #expect(result.restore.refused.isEmpty && result.restore.unreadable.isEmpty)
        #expect(Set(result.again.present) == Set(days))
        #expect(result.again.revisionsRestored == 0)
        // Three revisions, each with its record and its export.
        #expect(result.archived.count == 6)
        #expect(result.archived.contains(SnapshotRecord.name(days[0], revision: 2)))
        #expect(result.archived.contains(RecordNames.export(days[0], revision: 2)))
        // The report is not empty: the test would pass on two empty reports otherwise.
        #expect(String(decoding: result.before[1], as: UTF8.self).split(separator: "\r\n").count > 3)
    }

    @Test("a record is the revision's exact lines; one altered by hand is refused, and the restore says which day")
    func tampered() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 1000, completion: 10)
        let archive = FolderArchive(root: root)
        let scenario = RestoreScenario(harness: harness, archive: archive)
        let rollup = try scenario.rollup(harness.backend)
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        await rollup.archiveRecords([harness.day])
        let name = SnapshotRecord.name(harness.day, revision: 1)
        let bytes = try #require(try await archive.read(name))
        let record = try SnapshotRecord.decode(bytes, name: name)
        #expect(record.lines == (try await harness.backend.snapshots.lines(harness.day, revision: 1)).sorted(by: ChargeLine.order))
        #expect(record.summary.cost == "0.0026")
        // 1,000 input tokens become 9,000: the line's cost no longer matches, so the record is refused.
        let altered = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"quantity\":1000", with: "\"quantity\":9000")
        #expect(altered != String(decoding: bytes, as: UTF8.self))
        #expect(throws: RecordError.self) { try SnapshotRecord.decode(Array(altered.utf8), name: name) }
        #expect(throws: RecordError.self) { try SnapshotRecord.decode(bytes, name: SnapshotRecord.name(harness.day, revision: 2)) }
        try altered.write(toFile: root + "/" + name, atomically: false, encoding: .utf8)
        let outcome = try await SnapshotRestore(store: InMemorySnapshots(), archive: archive).run()
        #expect(outcome.refused[harness.day] == "a record is unreadable")
        #expect(outcome.unreadable.count == 1)
        #expect(outcome.revisionsRestored == 0)
    }

    @Test("an archive that fails does not fail the rollup; the next run writes what is missing, and never rewrites")
    func archiveDownThenCaughtUp() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 500, completion: 5)
        let flaky = FlakyArchive(FolderArchive(root: root))
        let scenario = RestoreScenario(harness: harness, archive: flaky)
        flaky.failing.withLock { $0 = true }
        let first = try await scenario.rollup(harness.backend).runDue(now: harness.now, graceHours: 0, catchUpDays: 2)
        #expect(first.contains { $0.day == harness.day && $0.outcome == .written(revision: 1, reason: "first rollup") })
        #expect(try await FolderArchive(root: root).names(prefix: "snapshots/").isEmpty)
        flaky.failing.withLock { $0 = false }
        let second = try await scenario.rollup(harness.backend).runDue(now: harness.now, graceHours: 0, catchUpDays: 2)
        #expect(second.contains { $0.day == harness.day && $0.outcome == .unchanged(revision: 1) })
        // Both days of the catch-up window have a revision (the second one with no usage): both archived now.
        #expect(try await FolderArchive(root: root).names(prefix: "snapshots/") == [harness.day, harness.day.adding(days: 1)].map {
            SnapshotRecord.name($0, revision: 1)
        })
        let keeper = RecordKeeper(store: harness.backend.snapshots, archive: flaky, costCenters: try harness.pricer().costCenters, isIllustrative: false,
                                  logger: Logger(label: "test"))
        let third = try await keeper.sync([harness.day])
        #expect(third == RecordKeeper.Outcome())
    }

    @Test("Redis lost its snapshots and rolled up again without a restore: the archive keeps its revision and the conflict is reported")
    func conflict() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 500, completion: 5)
        let name = SnapshotRecord.name(harness.day, revision: 1)
        let archive = FolderArchive(root: root)
        #expect(try await archive.create(name, bytes: Array("{\"other\":true}".utf8), contentType: "application/json") == .created)
        let rollup = try RestoreScenario(harness: harness, archive: archive).rollup(harness.backend)
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        let outcome = try #require(await rollup.archiveRecords([harness.day], fresh: [harness.day: 1]))
        #expect(outcome.conflicts == [name])
        #expect(outcome.created == 1)  // the export
        #expect(try await archive.read(name) == Array("{\"other\":true}".utf8))
    }

    @Test("with a FOCUS context, each revision is also a FOCUS file under its billing period's folder, its costs adding up to the revision's")
    func focusFiles() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let harness = MoneyHarness()
        try await harness.record("a", id: "1", prompt: 1000, cached: 0, completion: 10)
        try await harness.record("b", id: "2", prompt: 4000, completion: 300)
        let archive = FolderArchive(root: root)
        let context = FocusExport.Context(openAIResourceId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
                                          billingAccountId: "s", billingAccountName: "S", invoiceIssuer: "Platform")
        let rollup = Rollup(counters: harness.backend.counters, store: harness.backend.snapshots, pricer: try harness.pricer(),
                            logger: Logger(label: "test"), archive: archive, focus: context)
        _ = try await rollup.run(harness.day, reprice: false, now: harness.now)
        await rollup.archiveRecords([harness.day])
        let name = RecordNames.focus(harness.day, revision: 1)
        #expect(name.hasPrefix(RecordNames.focusPrefix(harness.day.month)))
        let text = String(decoding: try #require(try await archive.read(name)), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first?.hasPrefix("BilledCost,BillingAccountId,") == true)
        // BilledCost is the first column (no cell before it can hold a comma): the rows add up to the revision's cost.
        let total = rows.dropFirst().compactMap { Decimal(string: String($0.prefix { $0 != "," })) }.reduce(0, +)
        let summary = try #require(try await harness.backend.snapshots.summary(harness.day, revision: 1))
        #expect(total == Decimal(string: summary.cost))
        #expect(rows.count == 1 + summary.lines)
    }

    @Test("the folder archive refuses names that could leave it")
    func names() async throws {
        let root = folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let archive = FolderArchive(root: root)
        for name in ["../escape.json", "/etc/passwd", "snapshots//x.json", "a/./b", "sp ace", ""] {
            await #expect(throws: ArchiveError.self) { _ = try await archive.create(name, bytes: [1], contentType: "text/plain") }
        }
        #expect(RecordNames.parse("snapshots/2026/11/29/revision-000002.json")?.revision == 2)
        #expect(RecordNames.parse("snapshots/2026/11/29/revision-2.json") == nil)
        #expect(RecordNames.parse("snapshots/2026/13/29/revision-000002.json") == nil)
    }
}

/// An archive whose writes fail while `failing` is set (a storage outage).
final class FlakyArchive: RecordArchive {
    let inner: any RecordArchive
    let failing = Mutex(false)
    var location: String { inner.location }

    init(_ inner: any RecordArchive) {
        self.inner = inner
    }

    func create(_ name: String, bytes: [UInt8], contentType: String) async throws -> ArchiveWrite {
        if failing.withLock({ $0 }) { throw ArchiveError("the archive is down") }
        return try await inner.create(name, bytes: bytes, contentType: contentType)
    }

    func read(_ name: String) async throws -> [UInt8]? { try await inner.read(name) }
    func names(prefix: String) async throws -> [String] { try await inner.names(prefix: prefix) }
}
