import ApimTwin
import CurlClient
import Foundation
import Hummingbird
import Logging
import NIOPosix

/// Runs the twin of the APIM gateway until SIGINT/SIGTERM (local development only).
public enum GatewayServer {
    public static func run(_ configuration: GatewayConfiguration, logger: Logger) async throws {
        // Each upstream transfer holds a thread while it lasts (streams for their whole length).
        let threads = NIOThreadPool(numberOfThreads: 64)
        threads.start()
        // The one-way posts get threads of their own: a slow ingest never holds up clients' calls.
        let postingThreads = NIOThreadPool(numberOfThreads: 16)
        postingThreads.start()
        let curl = CurlHTTPClient(threadPool: threads)
        let poster = EnvelopePoster(url: configuration.ingestURL, functionKey: configuration.functionKey, client: CurlHTTPClient(threadPool: postingThreads))
        let responder = GatewayResponder(
            configuration: configuration, policy: InboundPolicy(directory: configuration.subscriptions, mode: configuration.mode),
            curl: curl, poster: poster, logger: logger)
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: nil),
            logger: logger)
        FileHandle.standardOutput.write(Data("""
            APIM twin (local development only, not API Management) on http://127.0.0.1:\(configuration.port)/openai
              upstream \(configuration.upstream)\(configuration.upstreamKey == nil ? "" : " (api-key from AZURE_OPENAI_API_KEY)")
              ingest   \(configuration.ingestURL)
              stream mode \(configuration.mode.rawValue), bodies up to \(configuration.maxBodyBytes) bytes, \(configuration.subscriptions.all.count) subscriptions

            """.utf8))
        try await application.runService()
        try await threads.shutdownGracefully()
        try await postingThreads.shutdownGracefully()
    }
}
