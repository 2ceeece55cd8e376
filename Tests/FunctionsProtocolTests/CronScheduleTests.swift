import Foundation
import FunctionsProtocol
import Testing

@Suite("NCRONTAB schedules")
struct CronScheduleTests {
    func date(_ text: String) throws -> Date { try #require(DotNetDate.parse(text)) }

    @Test("next occurrences", arguments: [
        ("0 15 0 * * *", "2026-01-15T10:05:00Z", "2026-01-16T00:15:00Z"),
        ("0 */5 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T10:05:00Z"),
        ("0 */5 * * * *", "2026-01-15T10:04:59.9Z", "2026-01-15T10:05:00Z"),
        ("*/10 * * * * *", "2026-01-15T10:00:00Z", "2026-01-15T10:00:10Z"),
        ("0 0 9 * * MON-FRI", "2026-01-16T10:00:00Z", "2026-01-19T09:00:00Z"),
        ("0 30 9 1 JAN *", "2026-01-15T00:00:00Z", "2027-01-01T09:30:00Z"),
        ("0 0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("5 4 * * *", "2026-01-15T10:00:00Z", "2026-01-16T04:05:00Z"),
        ("0 0 12 13 * 5", "2026-01-01T00:00:00Z", "2026-02-13T12:00:00Z"),
    ])
    func next(expression: String, after: String, expected: String) throws {
        let schedule = try CronSchedule(expression)
        #expect(schedule.nextOccurrence(after: try date(after)) == (try date(expected)))
    }

    @Test("malformed expressions are refused with a reason", arguments: [
        "", "* * *", "61 * * * * *", "0 0 25 * * *", "0 0 0 0 * *", "0 0 0 * 13 *", "0 */0 * * * *", "0 5-1 * * * *", "0 0 0 * * FUNDAY",
    ])
    func refuses(expression: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) }
    }
}
