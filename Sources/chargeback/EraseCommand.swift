import ArgumentParser
import ChargebackApp
import ChargebackCore
import ChargebackRedis
import FoundationEssentials

/// `chargeback erase --subscription ID`: deletes every Redis key of one subscription (erasure
/// requests, offboarding). Uses the same Redis settings as the handler.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Delete every Redis key of one subscription (counters, dedupe markers, index entries).")

    @Option(help: "The APIM subscription id to erase.")
    var subscription: String

    func run() async throws {
        let configuration = ChargebackCommand.toolConfiguration("erase")
        let redis = ChargebackApplication.redis(configuration)
        let now = UTCTimestamp.now
        do {
            let result = try await SubscriptionEraser(redis: redis, retentionDays: configuration.retentionDays).erase(subscription, today: now)
            print("erased subscription \(subscription): \(result.keys) keys deleted, \(result.indexEntries) day-index entries removed")
            await redis.close()
        } catch {
            await redis.close()
            ChargebackCommand.fail("chargeback erase: \(error)")
        }
    }
}
