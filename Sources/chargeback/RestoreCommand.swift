import ArgumentParser
import ChargebackApp
import ChargebackCore
import ChargebackRecords
import ChargebackRedis
import ChargebackUseCases
import CivilCalendar
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// `chargeback restore [--records FOLDER|URL] [--from DAY --to DAY]`: rebuilds the snapshots in
/// Redis from the record archive (after the cache was lost, or into a new one). Days Redis already
/// holds as archived are left alone; a day that differs is refused, never overwritten.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild chargeback snapshots in Redis from the record archive (CHARGEBACK_RECORDS: a folder or a Blob container).")

    @Option(help: "The archive: a folder, or https://<account>.blob.core.windows.net/<container>; default: CHARGEBACK_RECORDS.")
    var records: String?

    @Option(help: "First UTC day to restore (YYYY-MM-DD); default: the archive's first.")
    var from: String?

    @Option(help: "Last UTC day to restore (YYYY-MM-DD); default: the archive's last.")
    var to: String?

    func run() async throws {
        var configuration = ChargebackCommand.toolConfiguration("restore")
        if let records {
            var environment = ProcessInfo.processInfo.environment
            environment["CHARGEBACK_RECORDS"] = records
            do {
                configuration.records = try RecordsSetting.fromEnvironment(environment)
            } catch {
                ChargebackCommand.fail("chargeback restore: --records: \(error)", exitCode: 64)
            }
        }
        guard let archive = ChargebackApplication.archive(configuration) else {
            ChargebackCommand.fail("chargeback restore: no archive: give --records or set CHARGEBACK_RECORDS", exitCode: 64)
        }
        if case let .folder(path) = configuration.records, !FileManager.default.fileExists(atPath: path) {
            ChargebackCommand.fail("chargeback restore: the records folder \(path) does not exist", exitCode: 66)
        }
        var range: ClosedRange<CivilDay>?
        if from != nil || to != nil {
            guard let first = CivilDay.parse(from ?? "2000-01-01"), let last = CivilDay.parse(to ?? "2999-12-31") else {
                ChargebackCommand.fail("chargeback restore: --from and --to must be YYYY-MM-DD dates", exitCode: 64)
            }
            guard first <= last else { ChargebackCommand.fail("chargeback restore: --from \(first) is after --to \(last)", exitCode: 64) }
            range = first...last
        }
        let redis = ChargebackApplication.redis(configuration)
        let restore = SnapshotRestore(store: SnapshotStore(redis: redis, retentionDays: configuration.snapshotRetentionDays), archive: archive)
        let outcome: SnapshotRestore.Outcome
        do {
            outcome = try await restore.run(days: range)
            await redis.close()
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback restore: \(error)")
        }
        for (day, revisions) in outcome.restored.sorted(by: { $0.key < $1.key }) {
            print("\(day): restored revision\(revisions.count == 1 ? "" : "s") \(revisions.lowerBound)…\(revisions.upperBound)")
        }
        print("restored \(outcome.revisionsRestored) revisions of \(outcome.restored.count) days from \(archive.location); "
            + "\(outcome.present.count) days already present, \(outcome.refused.count) refused")
        for problem in outcome.unreadable { printError("unreadable: \(problem)") }
        for (day, reason) in outcome.refused.sorted(by: { $0.key < $1.key }) { printError("\(day): refused: \(reason)") }
        if !outcome.refused.isEmpty || !outcome.unreadable.isEmpty {
            ChargebackCommand.fail("chargeback restore: \(outcome.refused.count) days refused, \(outcome.unreadable.count) records unreadable", exitCode: 1)
        }
    }

    func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
