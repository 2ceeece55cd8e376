import ArgumentParser
import ChargebackApp
import ChargebackRedis
import Logging
import ChargebackSpool

/// `chargeback replay [--spool-dir DIR]`: replays a spool folder into Redis once, for a folder no
/// running handler replays (an instance that was scaled in with events still spooled). Every event
/// keeps its `requestId`, so one that Redis already has is not counted again.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay a spool folder into Redis once; events already counted are not counted again.")

    @Option(help: "The spool folder (default: CHARGEBACK_SPOOL_DIR).")
    var spoolDir: String?

    func run() async throws {
        let configuration = ChargebackCommand.toolConfiguration("replay")
        let redis = ChargebackApplication.redis(configuration)
        let ledger = ChargebackApplication.ledger(configuration, redis: redis, pricer: try? PricerLoader.load(configuration).get())
        let directory = spoolDir ?? configuration.spoolDirectory
        let spool = EventSpool(directory: directory, maxBytes: configuration.spoolMaxBytes)
        // The relay's write-ahead estimates of streams whose handler died are adopted too (RelayJournal).
        let replayer = SpoolReplayer(ledger: ledger, spool: spool, logger: Logger(label: "chargeback.replay"), journal: RelayJournal(spool: spool))
        do {
            let replay = try await replayer.replay()
            await redis.close()
            print("replayed \(directory): \(replay.events) events (\(replay.duplicates) already counted), \(replay.skipped) unreadable lines, "
                  + "\(replay.quarantined) refused events; both kept in spool.quarantine.jsonl")
            if replay.skipped + replay.quarantined > 0 {
                ChargebackCommand.fail("chargeback replay: \(replay.skipped + replay.quarantined) lines quarantined in \(directory)/spool.quarantine.jsonl", exitCode: 3)
            }
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback replay: \(directory) kept for a later attempt: \(error)")
        }
    }
}
