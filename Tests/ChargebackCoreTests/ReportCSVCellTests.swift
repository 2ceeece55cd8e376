import Testing

@testable import ChargebackCore

/// A subscription or cost-center name is chosen by a team: it must stay one cell in every
/// spreadsheet, and never become a formula.
@Suite("CSV cells a team can name")
struct ReportCSVCellTests {
    @Test("separators and quotes are quoted, ';' included", arguments: [
        ("team;evil", "\"team;evil\""), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("line\nbreak", "\"line\nbreak\""),
        ("plain-name", "plain-name"),
    ])
    func quoted(value: String, cell: String) {
        #expect(ReportCSV.text(value) == cell)
    }

    @Test("a leading formula character is neutralised", arguments: ["=1+1", "+1", "-1", "@SUM(A1)"])
    func formulas(value: String) {
        #expect(ReportCSV.text(value).hasPrefix("'") || ReportCSV.text(value).hasPrefix("\"'"))
    }
}
