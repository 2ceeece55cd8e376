import ChargebackCore
import ChargebackSpool
import Foundation
import Glibc
import Testing

/// The relay's write-ahead (RelayJournal): a stream's estimate waits on disk until the call is
/// recorded; what a dead handler left is adopted into the spool, and nothing a live one is still
/// streaming is ever taken.
@Suite("relay write-ahead: a dead handler's streams are still counted, a live one's never taken")
struct RelayJournalTests {
    func event(_ id: String) throws -> UsageEvent {
        var meters = Meters()
        meters.inputTokens = 42
        return UsageEvent(requestId: id, timestamp: try #require(UTCTimestamp.parse("2026-12-07T10:15:30Z")), subscriptionId: "sub-relay",
                          deployment: "gpt-4o", operation: .chat, statusCode: 200, isStream: true, usageSource: .estimated, meters: meters,
                          source: "outbound")
    }

    func folder() -> String { NSTemporaryDirectory() + "relay-journal-" + UUID().uuidString }

    func pending(_ directory: String) throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory + "/relay-pending"))?.sorted() ?? []
    }

    @Test("open writes the estimate, close removes it; this process's own entries are never adopted, however many passes")
    func ownEntries() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        let journal = RelayJournal(spool: spool)
        let entry = try await journal.open(try event("live-1"))
        #expect(try pending(directory).count == 1)
        #expect(try await journal.adoptOrphans() == 0, "a stream still running is never taken")
        #expect(try await spool.takeForReplay() == nil)
        // A second handler in this process (tests run several) does not take the first one's either.
        let other = RelayJournal(spool: spool)
        #expect(try await other.adoptOrphans() == 0)
        await journal.close(entry)
        #expect(try pending(directory).isEmpty)
    }

    @Test("a dead process's entries, and a predecessor's with this very pid, are adopted into the spool once; a live process's young ones stay")
    func orphans() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        // The dead handler: its journal wrote, then it "died" (a second journal stands for the next process).
        _ = try await RelayJournal(spool: spool).open(try event("same-pid"))
        let encoded = try JSONEncoder().encode(try event("dead-pid"))
        // A pid no process has (above pid_max), and one that is alive but not ours (our parent).
        try encoded.write(to: URL(fileURLWithPath: directory + "/relay-pending/999999999-abc-1.json"))
        try JSONEncoder().encode(try event("live-other")).write(to: URL(fileURLWithPath: directory + "/relay-pending/\(getppid())-xyz-1.json"))
        try Data("{torn".utf8).write(to: URL(fileURLWithPath: directory + "/relay-pending/999999999-abc-2.json"))
        let next = RelayJournal(spool: spool)
        #expect(try await next.adoptOrphans() == 2)
        let (events, _) = try #require(try await spool.takeForReplay())
        #expect(Set(events.map(\.requestId)) == ["same-pid", "dead-pid"])
        #expect(events.allSatisfy { $0.usageSource == .estimated && $0.meters.inputTokens == 42 })
        #expect(try pending(directory) == ["\(getppid())-xyz-1.json"], "the torn file is removed; the live process's stays")
        #expect(try await next.adoptOrphans() == 0, "adopted once")
    }

    @Test("an entry older than any stream is adopted even if its process lives")
    func aged() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        let path = directory + "/relay-pending/\(getppid())-xyz-1.json"
        _ = try await RelayJournal(spool: spool).open(try event("warm-up"))  // creates the folder
        try JSONEncoder().encode(try event("old")).write(to: URL(fileURLWithPath: path))
        let journal = RelayJournal(spool: spool, maxAgeSeconds: 7_200)
        #expect(try await journal.adoptOrphans() == 1, "only the predecessor's (same pid) so far")
        var times = [timeval(tv_sec: time(nil) - 7_300, tv_usec: 0), timeval(tv_sec: time(nil) - 7_300, tv_usec: 0)]
        #expect(utimes(path, &times) == 0)
        #expect(try await journal.adoptOrphans() == 1)
        let (events, _) = try #require(try await spool.takeForReplay())
        #expect(Set(events.map(\.requestId)) == ["warm-up", "old"])
    }
}
