@testable import FunctionsHostKit
import Testing

/// host.json's maxOutstandingRequests and maxConcurrentRequests as the host applies them.
@Suite("the host's request throttle")
struct RequestThrottleTests {
    /// A gate the admitted requests wait at until the test opens it.
    actor Gate {
        var waiting: [CheckedContinuation<Void, Never>] = []
        var entered = 0
        func pass() async {
            entered += 1
            await withCheckedContinuation { waiting.append($0) }
        }
        func open() {
            for continuation in waiting { continuation.resume() }
            waiting.removeAll()
        }
    }

    @Test("over maxOutstandingRequests a request is refused at once; within it, at most maxConcurrentRequests run")
    func refusesAndQueues() async throws {
        let throttle = RequestThrottle(maxOutstanding: 3, maxConcurrent: 2)
        let gate = Gate()
        let admitted = (0..<3).map { _ in Task { await throttle.run { await gate.pass(); return 1 } } }
        // Two run (at the gate), the third waits for a slot: three outstanding.
        while await gate.entered < 2 || throttle.outstanding < 3 { await Task.yield() }
        #expect(await gate.entered == 2)
        #expect(await throttle.run { 1 } == nil)
        await gate.open()
        // The queued third gets a slot when one is released, and reaches the gate.
        while await gate.entered < 3 { await Task.yield() }
        await gate.open()
        var results: [Int?] = []
        for task in admitted { results.append(await task.value) }
        #expect(results == [1, 1, 1])
        #expect(throttle.outstanding == 0)
        #expect(await throttle.run { 2 } == 2)
    }

    @Test("unbounded (host.json silent): everything runs")
    func unbounded() async {
        let throttle = RequestThrottle(maxOutstanding: nil, maxConcurrent: nil)
        let values = await withTaskGroup(of: Int?.self) { group in
            for index in 0..<500 { group.addTask { await throttle.run { index } } }
            var values: [Int?] = []
            for await value in group { values.append(value) }
            return values
        }
        #expect(values.compactMap { $0 }.count == 500)
        #expect(throttle.outstanding == 0)
    }
}
