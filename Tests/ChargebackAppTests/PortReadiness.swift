import CurlClient

/// Waits until a local process (the synthetic upstream, the APIM twin) answers `GET /` with 200; false
/// when it has not after 5 s.
func answersHTTP(port: Int, curl: CurlHTTPClient = CurlHTTPClient()) async -> Bool {
    for _ in 0..<100 {
        if (try? await curl.perform(CurlRequest(url: "http://127.0.0.1:\(port)/", timeoutMilliseconds: 500)))?.status == 200 { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}
