import Synchronization

/// Relayed streams in flight on this instance, admitted up to a limit (each holds a thread).
final class RelayAdmission: Sendable {
    private let count = Atomic<Int>(0)

    /// Takes a place if fewer than `limit` are taken.
    func admit(below limit: Int) -> Bool {
        guard count.add(1, ordering: .relaxed).newValue <= limit else {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives a place back.
    func release() {
        count.subtract(1, ordering: .relaxed)
    }
}
