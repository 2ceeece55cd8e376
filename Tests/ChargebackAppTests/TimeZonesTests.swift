@testable import ChargebackApp
import CivilCalendar
import Testing

/// Zone names are caller input (`tz=`) turned into file names: only well-formed names are looked up.
@Suite struct TimeZonesTests {
    @Test func knownZonesResolve() throws {
        #expect(TimeZones.rules(named: "UTC") == ZoneRules.utc)
        let paris = try #require(TimeZones.rules(named: "Europe/Paris"))
        // 2026-07-01T00:00:00Z: summer time.
        #expect(paris.offset(atSecondsSinceEpoch: 1_782_864_000) == 7200)
        #expect(TimeZones.rules(named: "America/Argentina/Buenos_Aires") != nil)
        #expect(TimeZones.rules(named: "Etc/GMT+5")?.offset(atSecondsSinceEpoch: 0) == -18_000)
    }

    @Test(arguments: ["", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//Paris", "./UTC", "Europe/Paris/",
                      "Europe/Paris\u{0}", "Europe/Pa ris", "Éurope/Paris", String(repeating: "A", count: 65)])
    func malformedNamesAreNeverLookedUp(_ name: String) {
        #expect(!TimeZones.isWellFormed(name))
        #expect(TimeZones.rules(named: name) == nil)
    }

    @Test(arguments: ["zone.tab", "tzdata.zi", "leapseconds", "right/Europe/Paris", "Mars/Olympus"])
    func filesThatAreNotZonesAreUnknown(_ name: String) {
        // Well-formed names whose file is missing, is not TZif, or has leap seconds.
        #expect(TimeZones.rules(named: name) == nil)
    }
}
