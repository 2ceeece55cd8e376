import FoundationEssentials
import NIOConcurrencyHelpers

/// Invocation ids for calls that came without the host's `X-Azure-Functions-InvocationId`: a
/// random prefix drawn once per process and a count (`local-1f0c9a2e-17`), unique within the
/// process and, by the prefix, unlikely to repeat across processes. Behind the host every call has
/// the host's id; direct calls took a random UUID each, a system call per request on the ingest path.
final class LocalInvocationIDs: Sendable {
    let prefix = "local-" + UUID().uuidString.lowercased().prefix(8) + "-"
    private let count = NIOLockedValueBox(0)

    func next() -> String {
        prefix + String(count.withLockedValue { value in
            value &+= 1
            return value
        })
    }
}
