import ChargebackCore
import CivilCalendar
import Testing

/// Budget months are local calendar months, bounded by local midnights computed with the offset in force.
@Suite struct BudgetPeriodTests {
    /// Seconds since the epoch of a UTC date and time.
    func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int64 = 0, _ minute: Int64 = 0) throws -> Int64 {
        try #require(CivilDay(year: year, month: month, day: day)).startSecondsSinceEpoch + hour * 3600 + minute * 60
    }

    @Test func aUTCMonth() throws {
        let period = BudgetPeriod.containing(try utc(2026, 11, 15, 12), offsetSeconds: { _ in 0 })
        #expect(period.id == "2026-11")
        #expect(period.month == CivilMonth.parse("2026-11"))
        #expect(period.startSeconds == (try utc(2026, 11, 1)))
        #expect(period.endSeconds == (try utc(2026, 12, 1)))
        #expect(period.lengthSeconds == 30 * 86_400)
        #expect(BudgetPeriod.containing(try utc(2026, 12, 1) - 1, offsetSeconds: { _ in 0 }).id == "2026-11")
        #expect(BudgetPeriod.containing(try utc(2026, 12, 1), offsetSeconds: { _ in 0 }).id == "2026-12")
        #expect(BudgetPeriod.containing(try utc(2028, 2, 29, 23, 59), offsetSeconds: { _ in 0 }).lengthSeconds == 29 * 86_400)
    }

    @Test func aWinterMonthInParis() throws {
        let paris: (Int64) -> Int = { _ in 3600 }
        // 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
        let december = BudgetPeriod.containing(try utc(2026, 11, 30, 23, 30), offsetSeconds: paris)
        #expect(december.id == "2026-12")
        #expect(december.startSeconds == (try utc(2026, 11, 30, 23)))
        #expect(december.endSeconds == (try utc(2026, 12, 31, 23)))
        let november = BudgetPeriod.containing(try utc(2026, 11, 30, 22, 59), offsetSeconds: paris)
        #expect(november.id == "2026-11")
        #expect(november.endSeconds == december.startSeconds)
        // West of UTC: 02:00 UTC on 1 December is still November in New York (−5 h).
        #expect(BudgetPeriod.containing(try utc(2026, 12, 1, 2), offsetSeconds: { _ in -18_000 }).id == "2026-11")
    }

    @Test func monthsWithADaylightSavingChange() throws {
        // Paris: +1 h until 01:00 UTC on 29 March 2026, +2 h until 01:00 UTC on 25 October 2026.
        let springForward = try utc(2026, 3, 29, 1)
        let fallBack = try utc(2026, 10, 25, 1)
        let paris: (Int64) -> Int = { $0 >= springForward && $0 < fallBack ? 7200 : 3600 }
        let march = BudgetPeriod.containing(try utc(2026, 3, 15), offsetSeconds: paris)
        #expect(march.startSeconds == (try utc(2026, 2, 28, 23)))
        #expect(march.endSeconds == (try utc(2026, 3, 31, 22)))
        #expect(march.lengthSeconds == 31 * 86_400 - 3600)
        let october = BudgetPeriod.containing(try utc(2026, 10, 31, 22, 30), offsetSeconds: paris)
        #expect(october.id == "2026-10")
        #expect(october.startSeconds == (try utc(2026, 9, 30, 22)))
        #expect(october.endSeconds == (try utc(2026, 10, 31, 23)))
        #expect(october.lengthSeconds == 31 * 86_400 + 3600)
    }

    @Test func aChangeAtLocalMidnightIsSettled() throws {
        // Clocks jump from 00:00 to 01:00 local as April begins (+1 h → +2 h at 23:00 UTC on 31 March):
        // the first guess (with +2 h) is an hour early; the second look (with +1 h there) settles it.
        let jump = try utc(2026, 3, 31, 23)
        let zone: (Int64) -> Int = { $0 >= jump ? 7200 : 3600 }
        let april = BudgetPeriod.containing(jump, offsetSeconds: zone)
        #expect(april.id == "2026-04")
        #expect(april.startSeconds == jump)
        #expect(BudgetPeriod.containing(jump - 1, offsetSeconds: zone).id == "2026-03")
    }

    @Test func everyInstantLiesInItsPeriodAndPeriodsTile() throws {
        // A zone whose jump skips local midnight (23:30 → 00:30) is the case the bounds check repairs.
        let jump = try utc(2026, 3, 31, 22, 30)
        let zones: [(Int64) -> Int] = [{ $0 >= jump ? 7200 : 3600 }, { $0 >= jump ? 3600 : 7200 }, { _ in -34_200 }, { _ in 50_400 }]
        for zone in zones {
            var instant = try utc(2026, 2, 20)
            var previous: BudgetPeriod?
            while instant < (try utc(2026, 5, 10)) {
                let period = BudgetPeriod.containing(instant, offsetSeconds: zone)
                #expect(period.startSeconds <= instant && instant < period.endSeconds)
                if let previous, previous != period { #expect(previous.endSeconds == period.startSeconds) }
                previous = period
                instant += 1800
            }
        }
    }

    @Test func elapsedFraction() throws {
        let period = BudgetPeriod.month(try #require(CivilMonth.parse("2026-11")), offsetSeconds: { _ in 0 })
        #expect(period.elapsedFraction(at: period.startSeconds) == 0)
        #expect(period.elapsedFraction(at: period.endSeconds) == 1)
        #expect(period.elapsedFraction(at: period.startSeconds - 86_400) == 0)
        #expect(period.elapsedFraction(at: period.endSeconds + 86_400) == 1)
        #expect(period.elapsedFraction(at: try utc(2026, 11, 16)) == 0.5)
        #expect(period.elapsedSeconds(at: try utc(2026, 11, 11)) == 10 * 86_400)
        #expect(period.elapsedSeconds(at: period.endSeconds + 5) == period.lengthSeconds)
    }
}
