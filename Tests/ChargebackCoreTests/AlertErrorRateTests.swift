import ChargebackCore
import CivilCalendar
import Testing

/// An hour alerts when its failed share is above the threshold and it has enough requests.
@Suite struct AlertErrorRateTests {
    let check = ErrorRateCheck(thresholdMicros: 50_000, minimumRequests: 100, channels: ["finops-webhook"])
    /// 2026-11-30T09 UTC.
    let hour: Int64 = 20_787 * 24 + 9

    @Test func theThresholdItselfIsNotAbove() {
        #expect(check.check(hour: hour, requests: 100, errors: 5) == nil)
        #expect(check.check(hour: hour, requests: 1000, errors: 50) == nil)
        #expect(check.check(hour: hour, requests: 1000, errors: 51) != nil)
        #expect(check.check(hour: hour, requests: 100, errors: 6) != nil)
    }

    @Test func tooFewRequestsAreNoise() {
        #expect(check.check(hour: hour, requests: 99, errors: 99) == nil)
        #expect(check.check(hour: hour, requests: 0, errors: 0) == nil)
        let anyVolume = ErrorRateCheck(thresholdMicros: 50_000, minimumRequests: 1, channels: [])
        #expect(anyVolume.check(hour: hour, requests: 1, errors: 1) != nil)
        #expect(anyVolume.check(hour: hour, requests: 0, errors: 0) == nil)
    }

    @Test func aThresholdOfOneNeverFires() {
        let all = ErrorRateCheck(thresholdMicros: 1_000_000, minimumRequests: 1, channels: [])
        #expect(all.check(hour: hour, requests: 500, errors: 500) == nil)
    }

    @Test func theAlert() throws {
        let candidate = try #require(check.check(hour: hour, requests: 1000, errors: 73))
        #expect(candidate.onceKey == "error-rate:2026-11-30T09")
        #expect(candidate.channels == ["finops-webhook"])
        #expect(candidate.alert.kind == .errorRate)
        #expect(candidate.alert.severity == .warning)
        #expect(candidate.alert.title == "Error rate 7.3 % in hour 2026-11-30T09 UTC (threshold 5 %)")
        #expect(candidate.alert.summary == "73 of 1000 requests failed in the hour starting 2026-11-30T09:00 UTC, above the 5 % threshold.")
        #expect(candidate.alert.facts.map(\.value) == ["2026-11-30T09", "1000", "73", "7.3 %", "5 %"])
        #expect(ErrorRateCheck.onceKey(hour: 20_787 * 24) == "error-rate:2026-11-30T00")
        let fractional = ErrorRateCheck(thresholdMicros: 12_345, minimumRequests: 1, channels: [])
        #expect(fractional.check(hour: hour, requests: 1000, errors: 13)?.alert.title.hasSuffix("(threshold 1.2345 %)") == true)
    }
}
