import CivilCalendar
import Foundation
import Testing

@testable import ChargebackCore

/// The FOCUS export's arithmetic and its representation of unpriced usage (the column rules
/// themselves are checked on scripts/run's dataset by scripts/lib/check_focus.py in the test command).
@Suite("FOCUS 1.2 export")
struct FocusExportTests {
    let day = PricingFixture.day("2026-11-29")

    func report(_ lines: [ChargeLine]) -> ChargebackReport {
        ChargebackReport(from: day, to: day, currency: "USD", priceBookName: "test", isIllustrative: false,
                         generatedAt: UTCTimestamp(millisecondsSinceEpoch: 0), costCenterFilter: nil,
                         segments: [.init(from: day, to: day, revision: 3, isProvisional: false, lines: lines)],
                         days: [.init(day: day, revision: 3, cost: lines.pricedCost, unpricedLines: lines.unpricedCount)],
                         costCenters: CostCenters(subscriptions: [:]))
    }

    func line(_ meter: String, _ unit: PricingUnit, _ quantity: Int64, micros: Int64?, deployment: String = "gpt-4o") -> ChargeLine {
        ChargeLine(key: ChargeKey(costCenter: "CC-1", subscription: "team-a", deployment: deployment, model: micros == nil ? "" : "gpt-4o", meter: meter,
                                  unit: unit, price: micros.map { LinePrice(version: "v1", micros: $0, unit: unit) }), quantity: quantity)
    }

    /// RFC 4180 rows (quoted cells may hold commas; the export never puts a line break in a cell).
    func rows(_ csv: String) -> [[String: String]] {
        func cells(_ line: String) -> [String] {
            var result: [String] = [], current = "", quoted = false, previous: Character = " "
            for character in line {
                if character == "\"" {
                    if quoted, previous == "\"" { current.append("\"") }
                    quoted.toggle()
                } else if character == ",", !quoted {
                    result.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
                previous = character
            }
            return result + [current]
        }
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = cells(lines[0])
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, cells($0))) }
    }

    @Test("a token line: exact cost, PricingQuantity in 1000000 Tokens, list = contracted = billed = effective, the day and month periods")
    func tokens() throws {
        let csv = FocusExport.render(report([line("input", .millionTokens, 1_234_567, micros: 2_500_000)]),
                                     context: .init(openAIResourceId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
                                                    billingAccountId: "s", billingAccountName: "Sub", invoiceIssuer: "Platform"),
                                     ceilings: [:])
        let row = try #require(rows(csv).first)
        // 1,234,567 tokens × 2.50 per million = 3.0864175, to the last digit.
        #expect(row["BilledCost"] == "3.0864175" && row["ListCost"] == "3.0864175" && row["EffectiveCost"] == "3.0864175" && row["ContractedCost"] == "3.0864175")
        #expect(row["PricingQuantity"] == "1.234567" && row["PricingUnit"] == "1000000 Tokens" && row["ListUnitPrice"] == "2.50")
        #expect(row["ConsumedQuantity"] == "1234567" && row["ConsumedUnit"] == "Tokens")
        #expect(row["ChargePeriodStart"] == "2026-11-29T00:00:00Z" && row["ChargePeriodEnd"] == "2026-11-30T00:00:00Z")
        #expect(row["BillingPeriodStart"] == "2026-11-01T00:00:00Z" && row["BillingPeriodEnd"] == "2026-12-01T00:00:00Z")
        #expect(row["ResourceId"] == "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/gpt-4o")
        #expect(row["ServiceCategory"] == "AI and Machine Learning" && row["ChargeCategory"] == "Usage" && row["ChargeClass"] == "")
        #expect(row["x_SnapshotRevision"] == "3" && row["x_PriceStatus"] == "priced" && row["x_UnpricedLines"] == "0")
    }

    @Test("audio: consumed in seconds, priced in minutes; the product of price and quantity is the cost to the pico")
    func audio() throws {
        // 61,001 ms at 0.006 per minute: 0.006100100 exactly; 1.016683333333 minutes (12 places).
        let row = try #require(rows(FocusExport.render(report([line("audio", .minute, 61_001, micros: 6000)]), context: FocusContextForTests.value,
                                                      ceilings: [:])).first)
        #expect(row["ConsumedQuantity"] == "61.001" && row["ConsumedUnit"] == "Seconds")
        #expect(row["PricingQuantity"] == "1.016683333333" && row["PricingUnit"] == "Minutes")
        let product = try #require(Decimal(string: row["ListUnitPrice"] ?? "")) * (try #require(Decimal(string: row["PricingQuantity"] ?? "")))
        let cost = try #require(Decimal(string: row["BilledCost"] ?? ""))
        #expect(abs(NSDecimalNumber(decimal: product - cost).doubleValue) < 1e-9)
    }

    @Test("unpriced usage is never free: shown at the book's highest price for its meter, marked unpriced-ceiling; a meter with no price anywhere says so")
    func unpriced() throws {
        let csv = FocusExport.render(report([line("output", .millionTokens, 1_000_000, micros: nil, deployment: "mystery"),
                                             line("characters", .millionCharacters, 10, micros: nil, deployment: "mystery")]),
                                     context: FocusContextForTests.value, ceilings: ["output": (micros: 60_000_000, version: "ceiling")])
        let all = rows(csv)
        let output = try #require(all.first { $0["x_Meter"] == "output" })
        #expect(output["BilledCost"] == "60.00" && output["ListUnitPrice"] == "60.00" && output["PricingCategory"] == "Other")
        #expect(output["x_PriceStatus"] == "unpriced-ceiling" && output["x_PriceVersion"] == "ceiling" && output["x_UnpricedLines"] == "2")
        let characters = try #require(all.first { $0["x_Meter"] == "characters" })
        #expect(characters["x_PriceStatus"] == "unpriced-no-ceiling" && characters["BilledCost"] == "0.00")
    }

    @Test("the ceiling of a meter is the highest price any set of the book has for it")
    func ceilings() throws {
        let ceilings = FocusExport.ceilings(try PricingFixture.book())
        let output = try #require(ceilings["output"])
        let book = try PricingFixture.book()
        #expect(output.micros == book.priceSets.compactMap { $0.prices[.output] }.max())
    }
}

enum FocusContextForTests {
    static let value = FocusExport.Context(openAIResourceId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
                                           billingAccountId: "s", billingAccountName: "Sub", invoiceIssuer: "Platform")
}
