import CivilCalendar
import Foundation
import Testing

@testable import ChargebackCore

/// Human views round so that rows add up to the totals shown under them (largest remainder).
@Suite("display rounding: rows add up to their totals")
struct RoundingTests {
    func money(_ text: String) -> Money { Money(exactText: text) ?? .zero }

    @Test("three thirds of a cent: half-even rounding of each shows 0.00 + 0.00 + 0.00 under 0.01; largest remainder shows one cent")
    func thirds() {
        let third = Money(picos: 3_333_333_333)  // 0.003333333333
        #expect(Apportion.parts([third, third, third], decimals: 2) == [1, 0, 0])
        #expect(Apportion.parts([third, third, third], decimals: 2).reduce(0, +) == Money(picos: 9_999_999_999).rounded(decimals: 2))
    }

    @Test("random amounts: the parts add up to the rounded sum, each within one unit of its exact amount", arguments: [2, 6])
    func invariant(decimals: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let amounts = (0..<Int.random(in: 1...40, using: &generator)).map { _ in Money(picos: Int128(Int64.random(in: 0...50_000_000_000_000, using: &generator))) }
            let parts = Apportion.parts(amounts, decimals: decimals)
            #expect(parts.reduce(0, +) == amounts.reduce(Money.zero, +).rounded(decimals: decimals))
            for (amount, part) in zip(amounts, parts) {
                let shown = Apportion.money(units: part, decimals: decimals)
                #expect(abs(Double(shown.picos - amount.picos)) < Double(Apportion.unitPicos(decimals)))
            }
        }
    }

    @Test("a report's JSON: lines add up to their subscription, subscriptions to their cost center, cost centers and days to the total")
    func reportJSON() throws {
        let day = CivilDay.parse("2026-11-29") ?? CivilDay(daysSinceEpoch: 0)
        // Lines whose costs end in odd fractions of the sixth place: rounded one by one, they drift.
        var lines: [ChargeLine] = []
        for index in 0..<30 {
            lines.append(ChargeLine(key: ChargeKey(costCenter: "CC-\(index % 3)", subscription: "sub-\(index % 7)", deployment: "d\(index)", model: "m",
                                                   meter: "input", unit: .millionTokens,
                                                   price: LinePrice(version: "v", micros: 333_333, unit: .millionTokens)),
                                    quantity: Int64(1_001 + index * 3)))
        }
        let report = ChargebackReport(from: day, to: day.adding(days: 1), currency: "USD", priceBookName: "t", isIllustrative: false,
                                      generatedAt: UTCTimestamp(millisecondsSinceEpoch: 0), costCenterFilter: nil,
                                      segments: [.init(from: day, to: day, revision: 1, isProvisional: false, lines: Array(lines[0..<15])),
                                                 .init(from: day.adding(days: 1), to: day.adding(days: 1), revision: 1, isProvisional: false,
                                                       lines: Array(lines[15...]))],
                                      days: [.init(day: day, revision: 1, cost: Array(lines[0..<15]).pricedCost, unpricedLines: 0),
                                             .init(day: day.adding(days: 1), revision: 1, cost: Array(lines[15...]).pricedCost, unpricedLines: 0)],
                                      costCenters: CostCenters(subscriptions: [:]))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report))) as? [String: Any])
        func decimal(_ value: Any?) -> Decimal { Decimal(string: value as? String ?? "") ?? -1 }
        let total = decimal(json["total"])
        let centers = try #require(json["costCenters"] as? [[String: Any]])
        #expect(centers.map { decimal($0["cost"]) }.reduce(0, +) == total)
        for center in centers {
            let subscriptions = try #require(center["subscriptions"] as? [[String: Any]])
            #expect(subscriptions.map { decimal($0["cost"]) }.reduce(0, +) == decimal(center["cost"]))
            for subscription in subscriptions {
                let own = try #require(json["lines"] as? [[String: Any]]).filter {
                    $0["costCenter"] as? String == center["id"] as? String && $0["subscription"] as? String == subscription["id"] as? String
                }
                #expect(own.map { decimal($0["cost"]) }.reduce(0, +) == decimal(subscription["cost"]))
            }
        }
        #expect(try #require(json["days"] as? [[String: Any]]).map { decimal($0["cost"]) }.reduce(0, +) == total)
        // The per-day CSV: a cost center's rows add up to its JSON total too.
        let csv = ReportCSV.render(report).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        let column = ReportCSV.columns.firstIndex(of: "BilledCost") ?? 0
        let centerColumn = ReportCSV.columns.firstIndex(of: "x_CostCenter") ?? 0
        for center in centers {
            let rows = csv.map { $0.components(separatedBy: ",") }.filter { $0[centerColumn] == center["id"] as? String }
            #expect(rows.map { Decimal(string: $0[column]) ?? -1 }.reduce(0, +) == decimal(center["cost"]))
        }
    }

    @Test("a whole off by more than one unit per part (a difference of rounded totals): still met, evenly, units taken back from the smallest remainders")
    func farTotals() {
        let amounts = [money("0.004"), money("0.004"), money("-0.009")]
        #expect(Apportion.parts(amounts, into: 0, decimals: 2) == [1, 0, -1], "the floors, 0 + 0 − 1, are one short: the largest remainder (the first, of two) gets it")
        #expect(Apportion.parts(amounts, into: -3, decimals: 2) == [0, -1, -2], "two units taken back, from the smallest remainders first")
        #expect(Apportion.parts(amounts, into: 5, decimals: 2) == [2, 2, 1], "six units over the floors: two each")
        #expect(Apportion.parts([money("0.004"), money("0.001")], into: -1, decimals: 2) == [0, -1], "the smaller remainder gives")
    }

    @Test("true-ups: each cost center's lines add up to its amount, the centers to the true-up total, usage + true-ups to the grand total; CSV shows JSON's amounts", arguments: [2, 6])
    func trueUps(decimals: Int) throws {
        let day = CivilDay.parse("2026-11-29") ?? CivilDay(daysSinceEpoch: 0)
        var generator = FuzzTests.SplitMix64(state: UInt64(decimals))
        let unit = Apportion.unitPicos(decimals)
        for _ in 0..<50 {
            let lines = (0..<5).map { index in
                ChargeLine(key: ChargeKey(costCenter: "CC-\(index % 2)", subscription: "s\(index)", deployment: "d", model: "m", meter: "input", unit: .millionTokens,
                                          price: LinePrice(version: "v", micros: 333_333, unit: .millionTokens)),
                           quantity: Int64.random(in: 1...9_999_999, using: &generator))
            }
            // Amounts of a few units of the last place and less: where rounding each on its own drifts most.
            let trueUps = (0..<Int.random(in: 1...9, using: &generator)).map { index in
                Reconciliation.TrueUp(key: .init(day: day, model: "m", deploymentType: "GlobalStandard", meter: "input"), reason: .priceDrift,
                                      costCenter: "CC-\(index % 3)", subscription: "s\(index)", deployment: "d",
                                      amount: Money(picos: Int128.random(in: -3 * unit...3 * unit, using: &generator)))
            }
            let report = ChargebackReport(from: day, to: day, currency: "USD", priceBookName: "t", isIllustrative: false,
                                          generatedAt: UTCTimestamp(millisecondsSinceEpoch: 0), costCenterFilter: nil,
                                          segments: [.init(from: day, to: day, revision: 1, isProvisional: false, lines: lines)],
                                          days: [.init(day: day, revision: 1, cost: lines.pricedCost, unpricedLines: 0)], costCenters: CostCenters(subscriptions: [:]),
                                          reconciled: [AppliedTrueUps(day: day, appliedAt: UTCTimestamp(millisecondsSinceEpoch: 0), exportDigest: "x",
                                                                      costColumn: "BilledCost", snapshotRevision: 1, trueUps: trueUps)])
            let rounded = RoundedTrueUps(report, decimals: decimals)
            #expect(rounded.grandTotal == Apportion.money(units: report.grandTotal.rounded(decimals: decimals), decimals: decimals))
            #expect(rounded.costCenters.reduce(Money.zero) { $0 + $1.amount } == rounded.total)
            for (id, amount) in rounded.costCenters {
                let own = zip(trueUps, rounded.lines).filter { $0.0.costCenter == id }
                #expect(own.reduce(Money.zero) { $0 + $1.1 } == amount, "\(id)'s lines add up to its amount")
                // The true-up total shown is off its exact sum by at most one unit, so a line by at most two.
                #expect(own.allSatisfy { ($0.1.picos - $0.0.amount.picos).magnitude < 2 * unit })
            }
            guard decimals == 6 else { continue }
            // The CSV's Adjustment rows carry the JSON's amounts, and its usage rows add up to the JSON's usage total.
            let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportJSON.render(report))) as? [String: Any])
            let shown = try #require(json["trueUps"] as? [[String: Any]]).map { $0["amount"] as? String ?? "" }
            let rows = ReportCSV.render(report).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
            let column = ReportCSV.columns.firstIndex(of: "BilledCost") ?? 0, category = ReportCSV.columns.firstIndex(of: "ChargeCategory") ?? 0
            #expect(rows.filter { $0[category] == "Adjustment" }.map { $0[column] } == shown)
            #expect(rows.filter { $0[category] == "Usage" }.map { Decimal(string: $0[column]) ?? -1 }.reduce(0, +) == Decimal(string: json["total"] as? String ?? ""))
            #expect(json["trueUpTotal"] as? String == rounded.total.text(decimals: 6))
        }
    }
}
