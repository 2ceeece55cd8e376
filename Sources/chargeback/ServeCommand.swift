import ArgumentParser
import ChargebackApp
import FoundationEssentials
import CMemory
import EventLoopExecutor
import Hummingbird
import JSONLog
import Logging

/// `chargeback [serve]`: the custom handler's HTTP server (what the Functions host starts).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the functions on 127.0.0.1 (the default; the Functions host runs this).")

    @Option(help: "Port on 127.0.0.1 (default: $FUNCTIONS_CUSTOMHANDLER_PORT, set by the Functions host).")
    var port: Int?

    func run() async throws {
        await Self.serve(port: port)
    }

    /// Serves until stopped; `port` overrides `$FUNCTIONS_CUSTOMHANDLER_PORT`.
    static func serve(port: Int?) async {
        // Envelopes of up to 16 MB are read, unescaped and freed many times a minute. glibc raises its
        // mmap threshold to the largest block freed, so such buffers would soon come from the heap
        // and stay there: peak memory four times an envelope. Pinned at 1 MiB, large buffers are
        // mapped and returned on free (peak growth about twice an envelope: scripts/bench).
        _ = cmemory_pin_mmap_threshold(1 << 20)
        // Pinning the threshold also fixes the trim threshold at glibc's 128 KiB: the heap then gave
        // its top back after nearly every large body and faulted the pages in again for the next (3
        // page faults per ingest on the bench's mix). Up to 8 MiB of free top is kept per heap
        // instead: no faults on the ingest path. The bound is per malloc arena: glibc adds an arena
        // when threads contend, up to 8 per core, so after a burst up to 8 MiB per arena in use can
        // stay mapped (the event loops, the thread pools and the cooperative pool's threads use a
        // handful). scripts/bench measures the CPU per request and the peak RSS.
        _ = cmemory_set_trim_threshold(8 << 20)
        let configuration: Configuration
        do {
            configuration = try Configuration.fromEnvironment(ProcessInfo.processInfo.environment, portOverride: port)
        } catch {
            ChargebackCommand.fail("chargeback: bad configuration: \(error)")
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "chargeback")
        let app = ChargebackApplication.build(configuration, logger: logger)
        do {
            // Every task of the server runs on the event loops (EventLoopTaskExecutor).
            try await withTaskExecutorPreference(EventLoopTaskExecutor()) {
                try await app.runService()
            }
        } catch {
            ChargebackCommand.fail("chargeback: cannot serve on 127.0.0.1:\(configuration.port): \(error)")
        }
    }
}
