import CivilCalendar
import Foundation
import Testing

/// Time zones from TZif files (RFC 8536) and their POSIX TZ footers, checked against fixed facts
/// and against Foundation's ICU-based `TimeZone` (what the handler used before) over 40 years.
@Suite struct ZoneRulesTests {
    func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int64 = 0, _ minute: Int64 = 0) throws -> Int64 {
        try #require(CivilDay(year: year, month: month, day: day)).startSecondsSinceEpoch + hour * 3600 + minute * 60
    }

    func system(_ name: String) throws -> ZoneRules {
        let data = try #require(FileManager.default.contents(atPath: "/usr/share/zoneinfo/" + name), "tzdata is installed (scripts/lib/deps.sh)")
        return try ZoneRules(tzif: Array(data))
    }

    @Test func parisSwitchesAtOneInTheMorningUTC() throws {
        let paris = try system("Europe/Paris")
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        #expect(paris.offset(atSecondsSinceEpoch: try utc(2026, 3, 29, 0, 59)) == 3600)
        #expect(paris.offset(atSecondsSinceEpoch: try utc(2026, 3, 29, 1)) == 7200)
        #expect(paris.offset(atSecondsSinceEpoch: try utc(2026, 10, 25, 0, 59)) == 7200)
        #expect(paris.offset(atSecondsSinceEpoch: try utc(2026, 10, 25, 1)) == 3600)
    }

    @Test func halfAndQuarterHourZones() throws {
        #expect(try system("Asia/Kolkata").offset(atSecondsSinceEpoch: try utc(2026, 7, 1)) == 19_800)
        #expect(try system("Asia/Kathmandu").offset(atSecondsSinceEpoch: try utc(2026, 7, 1)) == 20_700)
        // Lord Howe's summer time is half an hour: +10:30 in winter, +11 in summer.
        let lordHowe = try system("Australia/Lord_Howe")
        #expect(lordHowe.offset(atSecondsSinceEpoch: try utc(2026, 7, 1)) == 37_800)
        #expect(lordHowe.offset(atSecondsSinceEpoch: try utc(2027, 1, 1)) == 39_600)
    }

    /// Past the file's last transition (2037 in "fat" files, sooner in "slim" ones) the footer rules.
    @Test func theFooterRulesTheFarFuture() throws {
        let newYork = try system("America/New_York")
        // 2100: second Sunday of March (the 14th) at 2:00 EST = 07:00 UTC; first Sunday of November (the 7th) at 2:00 EDT = 06:00 UTC.
        #expect(newYork.offset(atSecondsSinceEpoch: try utc(2100, 3, 14, 6, 59)) == -18_000)
        #expect(newYork.offset(atSecondsSinceEpoch: try utc(2100, 3, 14, 7)) == -14_400)
        #expect(newYork.offset(atSecondsSinceEpoch: try utc(2100, 11, 7, 5, 59)) == -14_400)
        #expect(newYork.offset(atSecondsSinceEpoch: try utc(2100, 11, 7, 6)) == -18_000)
        // The southern hemisphere: summer time across the new year.
        let sydney = try system("Australia/Sydney")
        #expect(sydney.offset(atSecondsSinceEpoch: try utc(2100, 1, 15)) == 39_600)
        #expect(sydney.offset(atSecondsSinceEpoch: try utc(2100, 7, 15)) == 36_000)
    }

    @Test func posixRulesOnTheirOwn() throws {
        let rule = try PosixZoneRule("CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(rule.standardOffset == 3600)
        #expect(rule.offset(atSecondsSinceEpoch: try utc(2030, 3, 31, 1)) == 7200)
        #expect(rule.offset(atSecondsSinceEpoch: try utc(2030, 3, 31, 0, 59)) == 3600)
        #expect(try PosixZoneRule("<+0545>-5:45").offset(atSecondsSinceEpoch: 0) == 20_700)
        #expect(try PosixZoneRule("EST5").offset(atSecondsSinceEpoch: 0) == -18_000)
        // Julian days: J60 is 1 March in every year; day 59 counts 29 February.
        let julian = try PosixZoneRule("AAA0BBB,J60/0,J300/0")
        #expect(julian.offset(atSecondsSinceEpoch: try utc(2028, 2, 29, 23)) == 0)
        #expect(julian.offset(atSecondsSinceEpoch: try utc(2028, 3, 1)) == 3600)
        let zeroBased = try PosixZoneRule("AAA0BBB,59/0,300/0")
        #expect(zeroBased.offset(atSecondsSinceEpoch: try utc(2028, 2, 29)) == 3600)
        #expect(zeroBased.offset(atSecondsSinceEpoch: try utc(2028, 2, 28, 23)) == 0)
    }

    @Test(arguments: ["", "CE", "CET", "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                      "CET-1CEST,M3.5.7,M10.5.0", "CET-99", "CET-1CEST,M3.5.0,M10.5.0/999", "CET-1CEST,J0,J300", "<+05-5", "CET-1 "])
    func malformedRulesAreRefused(_ text: String) {
        // "CET" alone has no offset; everything else breaks one rule of the grammar.
        #expect(throws: ZoneRulesError.self) { try PosixZoneRule(text) }
    }

    @Test func malformedFilesAreRefusedNotTrapped() throws {
        let paris = Array(try #require(FileManager.default.contents(atPath: "/usr/share/zoneinfo/Europe/Paris")))
        #expect(throws: ZoneRulesError.self) { try ZoneRules(tzif: []) }
        #expect(throws: ZoneRulesError.self) { try ZoneRules(tzif: Array("not a zone file at all, just some text".utf8)) }
        // Every cut of a real file is refused (never read past the end).
        for length in stride(from: 0, to: paris.count - 1, by: 7) {
            #expect(throws: ZoneRulesError.self) { try ZoneRules(tzif: Array(paris[..<length])) }
        }
        // Counts that promise more than the file holds.
        var inflated = paris
        inflated[32] = 0x7F
        #expect(throws: ZoneRulesError.self) { try ZoneRules(tzif: inflated) }
    }

    /// The same offsets as ICU's time zones (Foundation's `TimeZone`) every 6 hours around each
    /// transition and every 5 days from 2000 to 2040, for zones whose rules have not changed
    /// recently (so the two copies of the tz database agree).
    @Test(arguments: ["Europe/Paris", "Europe/London", "Europe/Dublin", "America/New_York", "America/Los_Angeles", "America/St_Johns",
                      "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
                      "Pacific/Chatham", "Asia/Kathmandu", "Africa/Johannesburg"])
    func agreesWithFoundation(_ name: String) throws {
        let rules = try system(name)
        let foundation = try #require(TimeZone(identifier: name))
        var seconds = try utc(2000, 1, 1)
        let end = try utc(2040, 1, 1)
        var checked = 0
        while seconds < end {
            let expected = foundation.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
            #expect(rules.offset(atSecondsSinceEpoch: seconds) == expected, "\(name) at \(seconds)")
            // Around a transition, check the hours on both sides.
            if let next = foundation.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(seconds))),
               Int64(next.timeIntervalSince1970) < seconds + 5 * 86_400 {
                let at = Int64(next.timeIntervalSince1970)
                for probe in [at - 1, at, at + 1] {
                    let expected = foundation.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe)))
                    #expect(rules.offset(atSecondsSinceEpoch: probe) == expected, "\(name) at \(probe)")
                    checked += 1
                }
            }
            seconds += 5 * 86_400
            checked += 1
        }
        #expect(checked > 2900)
    }
}
