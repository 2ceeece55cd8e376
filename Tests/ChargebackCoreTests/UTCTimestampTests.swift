import ChargebackCore
import Testing

@Suite("UTC timestamps: the billing day")
struct UTCTimestampTests {
    @Test("ISO 8601 text with any fraction and zone", arguments: [
        ("2026-11-29T10:15:30.1234567Z", "2026-11-29T10:15:30.123Z"),
        ("2026-11-29T10:15:30Z", "2026-11-29T10:15:30.000Z"),
        ("2026-11-30T01:00:00+02:00", "2026-11-29T23:00:00.000Z"),
        ("2026-11-29T23:30:00.5-01:00", "2026-11-30T00:30:00.500Z"),
        ("2028-02-29T00:00:00Z", "2028-02-29T00:00:00.000Z"),
    ])
    func parses(text: String, expected: String) throws {
        #expect(try #require(UTCTimestamp.parse(text)).isoText == expected)
    }

    @Test("the billing day is the UTC day")
    func day() throws {
        #expect(try #require(UTCTimestamp.parse("2026-12-01T00:30:00+01:00")).dayText == "2026-11-30")
    }

    @Test("text at the edges: the epoch, just before it, the last and first instants of the four-digit years")
    func edges() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
        ]
        // The extremes (made by arithmetic, never parsed) give text, not a trap.
        #expect(UTCTimestamp(millisecondsSinceEpoch: .min).isoText.hasSuffix("Z"))
        #expect(UTCTimestamp(millisecondsSinceEpoch: .max).isoText.hasSuffix("Z"))
        #expect(!UTCTimestamp(millisecondsSinceEpoch: .min).dayText.isEmpty)
        for (milliseconds, text) in cases {
            let instant = UTCTimestamp(millisecondsSinceEpoch: milliseconds)
            #expect(instant.isoText == text)
            #expect(instant.dayText == String(text.prefix(text.count - 14)))
        }
    }

    @Test("10,000 instants of the parsed years: the text parses back to the same instant; the day is its first ten bytes")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let first: Int64 = 946_684_800_000, last: Int64 = 32_503_680_000_000  // 2000-01-01, 3000-01-01
        for _ in 0..<10_000 {
            let instant = UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: first..<last, using: &generator))
            let text = instant.isoText
            #expect(try #require(UTCTimestamp.parse(text)) == instant, "\(text)")
            #expect(instant.dayText == String(text.prefix(10)))
        }
    }

    @Test("malformed or out-of-range text is refused", arguments: [
        "", "2026-11-29", "2026-11-29T10:15:30", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "1999-12-31T23:59:59Z",
        "2026-11-29T24:00:00Z", "2026-11-29T10:15:30.Z", "2026-11-29T10:15:30+0200", "2026-11-29 10:15:30Z",
    ])
    func refuses(text: String) {
        #expect(UTCTimestamp.parse(text) == nil)
    }
}
