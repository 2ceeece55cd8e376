import CivilCalendar
import Foundation
import Testing
import TestSupport

@testable import ChargebackCore

@Suite("Report HTML: one self-contained page for people")
struct ReportHTMLTests {
    static let hostile = "sub-<script>&\"x'"

    @Test("a report with lines: escaped, no script, no external reference, three charts")
    func rendersLines() {
        let html = ReportHTML.render(Self.sample())
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http"))
        #expect(!html.contains("//"))
        #expect(!html.contains(Self.hostile))
        #expect(html.contains("sub-&lt;script&gt;&amp;&quot;x&#39;"))
        #expect(html.contains("<title>Azure OpenAI chargeback 2026-11-01 – 2026-11-30 (USD)</title>"))
        #expect(html.contains("9.20 USD"))
        #expect(html.contains("1 unpriced line, cost unknown"))
        #expect(html.contains("prices are illustrative, not your agreement"))
        #expect(html.contains("provisional: computed from live counters, not yet rolled up"))
        #expect(html.contains("2026-11-02"))
        #expect(html.contains("1,234,567 tokens"))
        #expect(html.contains("3.086418"))
        #expect(html.contains(">unpriced</span>"))
        #expect(html.ranges(of: "<svg").count == 3)
        #expect(html.ranges(of: "<title>").count >= 4)
        #expect(html.ranges(of: "aria-label=").count == 3)
    }

    @Test("an empty report says so instead of drawing empty charts")
    func rendersEmpty() {
        var report = Self.sample()
        report.segments = []
        report.days = []
        report.isIllustrative = false
        let html = ReportHTML.render(report)
        #expect(html.contains("No usage in this period"))
        #expect(html.contains("0.00 USD"))
        #expect(!html.contains("<svg"))
        #expect(!html.contains("<table"))
        #expect(!html.contains("not your agreement"))
    }

    @Test("one line, and hundreds of lines with the deployment chart folded to twelve bars")
    func rendersOneAndMany() {
        var one = Self.sample()
        one.segments = [Self.segment("2026-11-01", revision: 1, lines: [Self.line("CC-100", "sub-a", "gpt-4o", 10, micros: 2_500_000)])]
        let single = ReportHTML.render(one)
        #expect(Self.rows(in: single) == 3)
        #expect(!single.contains("unpriced line,"))

        var many = Self.sample()
        let lines = (0..<300).map { Self.line("CC-\($0 % 7)", "sub-\($0)", "deployment-\($0 % 20)", Int64($0 + 1) * 1000, micros: 1_000_000) }
        many.segments = [Self.segment("2026-11-01", revision: 1, lines: lines)]
        let html = ReportHTML.render(many)
        #expect(Self.rows(in: html) == 302)
        #expect(html.contains("9 others"))
        #expect(html.ranges(of: "<svg").count == 3)
    }

    @Test("numbers: grouped digits, half-even amounts, trimmed precise amounts, escaping")
    func numbers() {
        #expect(HTMLText.grouped(0) == "0")
        #expect(HTMLText.grouped(-1_234_567) == "-1,234,567")
        #expect(HTMLText.amount(Money(picos: 1_234_565_000_000_000), decimals: 2) == "1,234.56")
        #expect(HTMLText.amount(Money(picos: -1_234_567_890_000_000), decimals: 2) == "-1,234.57")
        #expect(HTMLText.amount(Money(picos: -5_000_000_000), decimals: 2) == "0.00")
        #expect(HTMLText.preciseAmount(Money(picos: 125_000_000)) == "0.000125")
        #expect(HTMLText.preciseAmount(Money(picos: 12_500_000_000_000)) == "12.50")
        #expect(HTMLText.share(Money(picos: 1), of: Money(picos: 8)) == "12.5%")
        #expect(HTMLText.escape("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(SVGColumnChart.ticks(upTo: Money(picos: 9_204_307_500_000)).map { $0.text(decimals: 2) } == ["0.00", "5.00", "10.00"])
    }

    @Test("headless Chromium reads the page: table rows, chart bars, a 1280-pixel-wide screenshot", .timeLimit(.minutes(3)))
    func chromium() async throws {
        let browser = try #require(Chromium.find(), "no chromium, chromium-browser or google-chrome on PATH: install Debian's chromium package")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        try Data(ReportHTML.render(Self.sample()).utf8).write(to: page)

        let dump = try await Chromium.run(browser, ["--dump-dom", page.absoluteString], scratch: directory)
        try #require(dump.status == 0, "chromium --dump-dom failed: \(dump.errors.suffix(2000))")
        #expect(Self.rows(in: dump.output) == 5 + 2)
        let bars = dump.output.split(separator: "<svg").dropFirst().map { ($0.split(separator: "</svg>").first ?? "").ranges(of: "<rect").count }
        #expect(bars == [2, 3, 2])
        #expect(!dump.output.contains("sub-<script>"))

        let screenshot = directory.appendingPathComponent("report.png")
        let shot = try await Chromium.run(browser, ["--screenshot=\(screenshot.path)", "--window-size=1280,2000", page.absoluteString],
                                          scratch: directory)
        try #require(shot.status == 0, "chromium --screenshot failed: \(shot.errors.suffix(2000))")
        let png = [UInt8](try Data(contentsOf: screenshot))
        try #require(png.count > 24, "the screenshot is not a PNG")
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
        #expect(png[16..<20].reduce(0) { $0 << 8 | Int($1) } == 1280)
    }

    /// `<tr` in the detail table.
    static func rows(in html: String) -> Int {
        guard let start = html.range(of: "<table id=\"detail-lines\"") else { return 0 }
        let table = html[start.lowerBound...].split(separator: "</table>").first ?? ""
        return table.ranges(of: "<tr").count
    }

    static func day(_ text: String) -> CivilDay { CivilDay.parse(text)! }

    static func line(_ costCenter: String, _ subscription: String, _ deployment: String, _ quantity: Int64, micros: Int64?,
                     meter: String = "input", unit: PricingUnit = .millionTokens) -> ChargeLine {
        ChargeLine(key: ChargeKey(costCenter: costCenter, subscription: subscription, deployment: deployment, model: "gpt-4o", meter: meter,
                                  unit: unit, price: micros.map { LinePrice(version: "2026-10", micros: $0, unit: unit) }),
                   quantity: quantity)
    }

    static func segment(_ day: String, revision: Int?, lines: [ChargeLine]) -> ChargebackReport.Segment {
        ChargebackReport.Segment(from: Self.day(day), to: Self.day(day), revision: revision, isProvisional: revision == nil, lines: lines)
    }

    /// Two cost centers, a hostile subscription id, an unpriced line, one final and one provisional day.
    static func sample() -> ChargebackReport {
        let final = [
            line("CC-100", "sub-a", "gpt-4o-prod", 1_234_567, micros: 2_500_000),
            line("CC-100", "sub-a", "gpt-4o-prod", 456_789, micros: 10_000_000, meter: "output"),
            line("CC-200", hostile, "gpt-4o-mini", 2_000_000, micros: 150_000),
            line("CC-200", hostile, "dall-e", 3, micros: nil, meter: "image:1024x1024:hd", unit: .image),
        ]
        let live = [line("CC-100", "sub-a", "gpt-4o-prod", 500_000, micros: 2_500_000)]
        let centers = CostCenters(
            centers: [
                "CC-100": .init(id: "CC-100", name: "Research", owner: "Ada Lovelace", department: "R&D", reportKeyHashes: []),
                "CC-200": .init(id: "CC-200", name: "Marketing <EMEA>", owner: nil, department: "Sales", reportKeyHashes: []),
            ],
            subscriptions: ["sub-a": "CC-100", hostile: "CC-200"])
        return ChargebackReport(
            from: day("2026-11-01"), to: day("2026-11-30"), currency: "USD", priceBookName: "default (illustrative)", isIllustrative: true,
            generatedAt: UTCTimestamp(millisecondsSinceEpoch: day("2026-11-02").startSecondsSinceEpoch * 1000 + 3_600_000),
            costCenterFilter: nil,
            segments: [segment("2026-11-01", revision: 1, lines: final), segment("2026-11-02", revision: nil, lines: live)],
            days: [
                .init(day: day("2026-11-01"), revision: 1, cost: final.pricedCost, unpricedLines: 1),
                .init(day: day("2026-11-02"), revision: nil, cost: live.pricedCost, unpricedLines: 0),
            ],
            costCenters: centers)
    }
}

/// Finds and runs a headless Chromium, off the cooperative thread pool, with a deadline.
enum Chromium {
    /// The first of `chromium`, `chromium-browser`, `google-chrome` on PATH.
    static func find() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in path.split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// Exit status, standard output and standard error of one headless run; a run past `timeout` is terminated and throws.
    static func run(_ browser: URL, _ arguments: [String], scratch: URL, timeout: Duration = .seconds(60)) async throws
        -> (status: Int32, output: String, errors: String)
    {
        let run = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let clock = ContinuousClock()
        let started = clock.now
        // SIGKILL at the deadline (a SIGTERM the parent ignores stays ignored in the child).
        let outcome = try await Spawn.run(
            browser.path,
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--user-data-dir=\(run.appendingPathComponent("profile").path)"] + arguments,
            environment: ProcessInfo.processInfo.environment, timeoutSeconds: Double(timeout.components.seconds))
        if clock.now - started >= timeout {
            throw ChromiumTimeout(arguments: arguments)
        }
        return (outcome.status, outcome.standardOutput, outcome.standardError)
    }
}

/// A headless Chromium run that had to be stopped.
struct ChromiumTimeout: Error, CustomStringConvertible {
    /// The run's own arguments.
    var arguments: [String]

    /// What timed out.
    var description: String { "chromium \(arguments.joined(separator: " ")) did not finish within the deadline" }
}
