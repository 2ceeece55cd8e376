import ChildProcess
import CurlClient
import Foundation
import Testing
import TestSupport

/// Waits until a local process (the synthetic upstream, the APIM twin) answers `GET /` with 200; false
/// when it has not after 5 s.
func answersHTTP(port: Int, curl: CurlHTTPClient = CurlHTTPClient()) async -> Bool {
    for _ in 0..<100 {
        if (try? await curl.perform(CurlRequest(url: "http://127.0.0.1:\(port)/", timeoutMilliseconds: 500)))?.status == 200 { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// Runs `body` with a synthetic upstream and an APIM twin in front of it (`local-gateway`), posting
/// envelopes to `ingestPort`; `gatewayArguments` adds the twin's options (its stream mode, limits).
/// Both processes are killed when `body` returns or throws.
func withTwin<T>(ingestPort: Int, gatewayArguments: [String], _ body: (_ gatewayPort: Int, _ curl: CurlHTTPClient) async throws -> T) async throws -> T {
    let binary = try TestEnvironment.binaryDirectory() + "/local-gateway"
    let upstreamPort = try TestEnvironment.unusedPort(), gatewayPort = try TestEnvironment.unusedPort()
    let environment = ["PATH": "/usr/bin:/bin", "FUNCTIONS_FUNCTION_KEY": "test-ingest-key"]
    let upstream = try ChildProcess(executable: binary, arguments: ["upstream", "--port", String(upstreamPort)], environment: environment)
    defer {
        upstream.send(SIGKILL)
        _ = upstream.waitUntilExit()
    }
    let gateway = try ChildProcess(executable: binary, arguments: [
        "gateway", "--port", String(gatewayPort), "--upstream", "http://127.0.0.1:\(upstreamPort)",
        "--ingest", "http://127.0.0.1:\(ingestPort)/api/v1/ingest", "--subscriptions", TestEnvironment.repositoryRoot + "/config/local-subscriptions.json",
    ] + gatewayArguments, environment: environment)
    defer {
        gateway.send(SIGKILL)
        _ = gateway.waitUntilExit()
    }
    let curl = CurlHTTPClient()
    for port in [upstreamPort, gatewayPort] { #expect(await answersHTTP(port: port, curl: curl), "port \(port) did not answer") }
    return try await body(gatewayPort, curl)
}
