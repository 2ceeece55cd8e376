import Foundation
import FunctionsProtocol
import Testing
import TestSupport

@Suite("Timer invocations")
struct TimerInvocationTests {
    @Test("every timer fixture parses", arguments: [
        "timer-invocation-request.json", "timer-invocation-request-first-run.json",
        "timer-invocation-request-past-due.json", "timer-invocation-request-no-monitor.json",
    ])
    func parsesFixtures(name: String) throws {
        let invocation = try TimerInvocation.parse(try Fixture.bytes(name), bindingName: "myTimer")
        #expect(invocation.utcNow != nil)
        #expect(invocation.isPastDue == name.contains("past-due"))
        #expect((invocation.scheduleStatus == nil) == name.contains("no-monitor"))
        if name.contains("first-run") { #expect(invocation.scheduleStatus?.last == TimerInvocation.minValue) }
    }

    @Test("the host side writes each fixture back, key by key", arguments: [
        "timer-invocation-request.json", "timer-invocation-request-first-run.json",
        "timer-invocation-request-past-due.json", "timer-invocation-request-no-monitor.json",
    ])
    func writesFixtures(name: String) throws {
        let expected = try Fixture.json(name)
        let parsed = try TimerInvocation.parse(try Fixture.bytes(name), bindingName: "myTimer")
        let guid = try #require(expected["Metadata"]?["sys"]?["RandGuid"]?.stringValue)
        let built = parsed.invocation(bindingName: "myTimer", functionName: "TimerTrigger", randGuid: guid)
        #expect(structuralDifferences(built, expected) == [])
    }

    @Test("a missing binding is refused")
    func missingBinding() throws {
        #expect(throws: InvocationError.missingMember("Data.timer")) {
            try TimerInvocation.parse(try Fixture.bytes("timer-invocation-request.json"), bindingName: "timer")
        }
    }

    @Test("JSON.NET dates: 0–7 digits, Z or offset, year 0001", arguments: [
        ("2026-01-15T10:05:00Z", 1_768_471_500.0), ("2026-01-15T10:05:00.5+00:00", 1_768_471_500.5),
        ("2026-01-15T12:05:00+02:00", 1_768_471_500.0), ("0001-01-01T00:00:00+00:00", -62_135_596_800.0),
    ])
    func dates(text: String, epochSeconds: Double) throws {
        let date = try #require(DotNetDate.parse(text))
        #expect(abs(date.timeIntervalSince1970 - epochSeconds) < 1e-6)
    }

    @Test("dates format with trailing zeros dropped")
    func dateFormatting() {
        #expect(DotNetDate.format(Date(timeIntervalSince1970: 1_768_471_500)) == "2026-01-15T10:05:00Z")
        #expect(DotNetDate.format(Date(timeIntervalSince1970: 1_768_471_500.25), utcSuffix: "+00:00") == "2026-01-15T10:05:00.25+00:00")
        #expect(DotNetDate.parse("yesterday") == nil)
    }
}
