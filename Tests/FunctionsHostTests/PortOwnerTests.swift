@testable import FunctionsHostKit
import Foundation
import Testing
import TestSupport

/// The supervisor's check that the handler's port is its own child's listener (`/proc`).
@Suite struct PortOwnerTests {
    @Test func aListenerIsTracedToItsProcess() throws {
        let (descriptor, port) = try TestEnvironment.boundSocket(listening: true)
        defer { close(descriptor) }
        #expect(PortOwner.isListening(on: port, ownedBy: getpid()) == true)
        #expect(PortOwner.parent(of: getpid()) == getppid())
        // A process that is not this one's ancestor does not own it.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/bin/sleep")
        other.arguments = ["5"]
        try other.run()
        defer { other.terminate() }
        #expect(PortOwner.isListening(on: port, ownedBy: other.processIdentifier) == false)
    }

    @Test func aListenerOfAChildIsTheParents() async throws {
        // A shell that runs Python as its child (not exec'd): the listener is a grandchild of ours.
        let port = try TestEnvironment.unusedPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // It listens until its stdin closes (the end of this test), however slow the machine.
        process.arguments = ["-c", "python3 -c 'import socket,sys; s=socket.socket(); s.bind((\"127.0.0.1\", \(port))); s.listen(); sys.stdin.read()'; true"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.terminate()
        }
        var owned: Bool?
        for _ in 0..<400 where owned == nil {
            try await Task.sleep(for: .milliseconds(50))
            owned = PortOwner.isListening(on: port, ownedBy: process.processIdentifier)
        }
        #expect(owned == true)
        // Asked until /proc tells (as above). In 2 of about 20 full runs, once the app tests served on
        // real ports, this one call answered nil (cannot tell) right after the child's call answered
        // true; why is not pinned down (the scan reads every process's descriptors while processes
        // come and go). A false would still fail at once.
        var ownedByUs: Bool?
        for _ in 0..<40 where ownedByUs == nil {
            ownedByUs = PortOwner.isListening(on: port, ownedBy: getpid())
            if ownedByUs == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(ownedByUs == true, "an ancestor owns its descendants' listeners")
        // Nobody listens on a port just picked.
        #expect(PortOwner.isListening(on: try TestEnvironment.unusedPort(), ownedBy: getpid()) == nil)
    }
}
