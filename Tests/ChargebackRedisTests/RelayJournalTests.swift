import ChargebackCore
import ChargebackSpool
import Foundation
import Glibc
import Testing

/// The relay's write-ahead (RelayJournal): a stream's estimate waits on disk until the call is
/// recorded; what a dead handler left is adopted into the spool, and nothing a live one is still
/// streaming is taken before it is older than any stream.
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

    /// The estimates waiting in the folder (lock files left out).
    func pending(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/relay-pending")) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Another process's journal `owner`, alive: its lock held through a descriptor of our own.
    func holdLock(_ directory: String, _ owner: String) -> CInt {
        let descriptor = open(directory + "/relay-pending/\(owner).lock", O_RDWR | O_CREAT, 0o600)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        return descriptor
    }

    func write(_ event: UsageEvent, _ directory: String, _ name: String) throws {
        try JSONEncoder().encode(event).write(to: URL(fileURLWithPath: directory + "/relay-pending/" + name))
    }

    @Test("open writes the estimate, close removes it; neither this journal nor another live one in the process takes it")
    func ownEntries() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        let journal = RelayJournal(spool: spool)
        let entry = try await journal.open(try event("live-1"))
        #expect(pending(directory).count == 1)
        #expect(try await journal.adoptOrphans() == 0, "a stream still running is never taken")
        // A second handler in this process (tests run several) does not take the first one's either.
        let other = RelayJournal(spool: spool)
        #expect(try await other.adoptOrphans() == 0)
        #expect(try await spool.takeForReplay() == nil)
        await journal.close(entry)
        #expect(pending(directory).isEmpty)
    }

    @Test("a gone journal's entries are adopted into the spool once; a live one's stay; a file that reads but does not decode is removed")
    func orphans() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        do {
            // The handler that died: its journal wrote, then went (its lock released with it).
            let dead = RelayJournal(spool: spool)
            _ = try await dead.open(try event("dead-journal"))
        }
        try write(try event("no-lock"), directory, "abc-1.json")  // a journal whose lock file is gone too
        let live = holdLock(directory, "xyz")
        defer { close(live) }
        try write(try event("live-other"), directory, "xyz-1.json")
        try Data("{torn".utf8).write(to: URL(fileURLWithPath: directory + "/relay-pending/abc-2.json"))
        try Data("{half".utf8).write(to: URL(fileURLWithPath: directory + "/relay-pending/abc-3.json.tmp"))
        let next = RelayJournal(spool: spool)
        #expect(try await next.adoptOrphans() == 2)
        let (events, _) = try #require(try await spool.takeForReplay())
        #expect(Set(events.map(\.requestId)) == ["dead-journal", "no-lock"])
        #expect(events.allSatisfy { $0.usageSource == .estimated && $0.meters.inputTokens == 42 })
        #expect(pending(directory) == ["xyz-1.json"], "the undecodable file is removed; the live journal's stays")
        #expect(FileManager.default.fileExists(atPath: directory + "/relay-pending/abc-3.json.tmp"), "an interrupted write is left until it is old")
        #expect(try await next.adoptOrphans() == 0, "adopted once")
        let locks = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/relay-pending")) ?? []).filter { $0.hasSuffix(".lock") }
        #expect(Set(locks) == ["xyz.lock"], "a gone journal's lock file goes with its last entry: \(locks)")
    }

    @Test("an entry older than any stream is adopted even when its journal lives: another's, and this one's own (it could not record it)")
    func aged() async throws {
        let directory = folder()
        let spool = EventSpool(directory: directory, maxBytes: 1 << 20)
        let journal = RelayJournal(spool: spool, maxAgeSeconds: 7_200)
        let own = try await journal.open(try event("own-unrecorded"))
        let live = holdLock(directory, "xyz")
        defer { close(live) }
        let path = directory + "/relay-pending/xyz-1.json"
        try write(try event("old"), directory, "xyz-1.json")
        #expect(try await journal.adoptOrphans() == 0)
        for aged in [path] + pending(directory).map({ directory + "/relay-pending/" + $0 }) {
            var times = [timeval(tv_sec: time(nil) - 7_300, tv_usec: 0), timeval(tv_sec: time(nil) - 7_300, tv_usec: 0)]
            #expect(utimes(aged, &times) == 0)
        }
        #expect(try await journal.adoptOrphans() == 2)
        let (events, _) = try #require(try await spool.takeForReplay())
        #expect(Set(events.map(\.requestId)) == ["own-unrecorded", "old"])
        await journal.close(own)
    }

    @Test("a symlink in place of the folder is refused, not written through")
    func symlinkRefused() async throws {
        let directory = folder()
        let elsewhere = folder()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        #expect(symlink(elsewhere, directory + "/relay-pending") == 0)
        let journal = RelayJournal(spool: EventSpool(directory: directory, maxBytes: 1 << 20))
        await #expect(throws: LedgerFailure.self) { _ = try await journal.open(try event("through-link")) }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: elsewhere)) ?? []).isEmpty)
        #expect(try await journal.adoptOrphans() == 0)
    }
}
