import ChargebackCore
import CivilCalendar
import Testing

/// Reading Azure cost exports: the numbers, the CSV, and every malformed input refused with a reason.
@Suite("Azure cost export reading")
struct CostExportTests {
    @Test("numbers as exports write them, exact to the pico", arguments: [
        ("7.5E0", "7.50"), ("2.5E-01", "0.25"), ("0.0000000000004", "0.00"), ("0.0000000000005", "0.00"), ("0.0000000000015", "0.000000000002"),
        ("0.00000000000051", "0.000000000001"), ("-1.25", "-1.25"), ("+3", "3.00"), ("1.234567890123456789", "1.234567890123"),
        ("12E3", "12000.00"), (" 5.00 ", "5.00"), ("0", "0.00"), (".5", "0.50"), ("5.", "5.00"), ("1e-100", "0.00"), ("0E+30", "0.00"), ("-0", "0.00"),
    ])
    func numbers(text: String, expected: String) throws {
        #expect(InvoiceNumber.picos(text).map { Money(picos: $0).exactText } == expected)
    }

    @Test("what is not a number is refused", arguments: ["", "-", ".", "1,5", "1.2.3", "e5", "1e", "1e999", "NaN", "Infinity", "0x10", "1" + String(repeating: "0", count: 30), "١٢",
                                                         "1e-9223372036854775808", "1e9223372036854775807"])
    func notNumbers(text: String) {
        #expect(InvoiceNumber.picos(text) == nil)
    }

    @Test("CSV: quotes, doubled quotes, line breaks in cells, CRLF and a byte order mark")
    func csv() throws {
        let table = try CSVTable(bytes: Array("\u{FEFF}a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n".utf8))
        #expect(table.columns == ["a", "b", "c"])
        #expect(table.rows == [["x,1", "say \"hi\"", "two\nlines"], ["", "", ""]])
    }

    @Test("malformed CSV is refused with the line", arguments: [
        ("a,b\n\"x,1\n", CSVTable.Problem.unterminatedQuote(line: 2)),
        ("a,b\n\"x\"y,1\n", .textAfterQuote(line: 2)),
        ("a,b\n1,2,3\n", .rowWidth(line: 2, cells: 3, columns: 2)),
        ("a,a\n1,2\n", .duplicateColumn("a")),
        ("", .empty),
    ])
    func malformed(text: String, problem: CSVTable.Problem) {
        #expect(throws: problem) { try CSVTable(bytes: Array(text.utf8)) }
    }

    @Test("bytes that are not UTF-8 are refused")
    func notUTF8() {
        #expect(throws: CSVTable.Problem.notUTF8(line: 2)) { try CSVTable(bytes: Array("a\n".utf8) + [0xFF, 0x0A]) }
    }

    static let header = "ResourceId,ChargePeriodStart,ChargeCategory,BilledCost,BillingCurrency,x_SkuMeterName,PricingQuantity,x_PricingBlockSize\n"
    static let account = "/subscriptions/s/resourcegroups/r/providers/microsoft.cognitiveservices/accounts/a"

    @Test("an export that is not what Azure writes is refused with the reason", arguments: [
        ("ResourceId,ChargePeriodStart\n", "the column ChargeCategory is missing"),
        ("ResourceId,ChargePeriodStart,ChargeCategory,BilledCost,BillingCurrency\n", "SkuMeter (or x_SkuMeterName)"),
        (header + "\(account),2031-03-02T00:00Z,Usage,ten,USD,m,1,1\n", "row 1: BilledCost"),
        (header + "\(account),yesterday,Usage,1,USD,m,1,1\n", "row 1: ChargePeriodStart"),
        (header + "\(account),2031-03-02T00:00Z,Usage,1,EUR,m,1,1\n", "billed in EUR, the price book in USD"),
        (header + String(repeating: "\(account),2031-03-02T00:00Z,Usage,\(String(repeating: "9", count: 24)),USD,m,1,1\n", count: 200), "more than 10¹⁸"),
        (header + "/subscriptions/s/resourcegroups/r/providers/microsoft.storage/storageaccounts/x,2031-03-02T00:00Z,Usage,1,USD,m,1,1\n", "no row is of"),
    ])
    func refused(text: String, reason: String) {
        do {
            _ = try CostExport(bytes: Array(text.utf8), resourceId: Self.account, costColumn: "BilledCost", currency: "USD")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test("rows of other resources are skipped, the account's matched without case, its deployments included, 1.0 dates read")
    func filtering() throws {
        let text = Self.header
            + "/subscriptions/s/resourcegroups/r/providers/microsoft.storage/storageaccounts/x,2031-03-02T00:00Z,Usage,9,GBP,m,1,1\n"
            + "\(Self.account.uppercased()),2031-03-02T00:00Z,Usage,1,USD,m,2.5,1000\n"
            + "\(Self.account)/deployments/chat,2031-03-03 00:00:00,Usage,2,USD,m,1,1000\n"
            + "\(Self.account)x,2031-03-03T00:00:00Z,Usage,4,USD,m,1,1\n"
        let export = try CostExport(bytes: Array(text.utf8), resourceId: Self.account, costColumn: "BilledCost", currency: "USD")
        #expect(export.rows.map(\.quantity) == [2500, 1000] && export.otherRows == 2)
        #expect(export.rows.map { "\($0.day)" } == ["2031-03-02", "2031-03-03"])
    }

    @Test("a meter map that names an unknown meter or deployment type is refused")
    func meterMap() {
        #expect(throws: ConfigurationFileError.self) {
            try InvoiceMeterMap.load(json: Array(#"{"meters": {"x": {"model": "gpt-4o", "deploymentType": "GlobalStandard", "meter": "tokens"}}}"#.utf8))
        }
        #expect(throws: ConfigurationFileError.self) {
            try InvoiceMeterMap.load(json: Array(#"{"meters": {"x": {"model": "gpt-4o", "deploymentType": "Global", "meter": "input"}}}"#.utf8))
        }
        #expect(throws: ConfigurationFileError.self) { try InvoiceMeterMap.load(json: Array("[]".utf8)) }
        // Two names differing only in case: which one wins would depend on dictionary order.
        #expect(throws: ConfigurationFileError.self) {
            try InvoiceMeterMap.load(json: Array(#"{"meters": {"a": {"model": "m", "deploymentType": "GlobalStandard", "meter": "input"}, "A": {"model": "m", "deploymentType": "GlobalStandard", "meter": "output"}}}"#.utf8))
        }
    }

    @Test("quantities too large to round are unreadable, not a trap")
    func hugeQuantity() throws {
        let text = "ResourceId,ChargePeriodStart,ChargeCategory,BilledCost,BillingCurrency,x_SkuMeterName,ConsumedQuantity,ConsumedUnit\n"
            + "\(Self.account),2031-03-02T00:00Z,Usage,1,USD,m,1701411834604692.317316873036,100000000000 Tokens\n"
        let export = try CostExport(bytes: Array(text.utf8), resourceId: Self.account, costColumn: "BilledCost", currency: "USD")
        #expect(export.rows.count == 1 && export.rows.first?.quantity == nil)
    }

    @Test("weighted PTU tokens saturate instead of trapping")
    func saturation() throws {
        let provisioning = Provisioning(deployment: "p", effectiveFrom: CivilDay(daysSinceEpoch: 0), effectiveTo: nil, version: "v", ptus: 1,
                                        microsPerPTUHour: 1, tokensPerPTUHour: 1, outputTokenWeight: 1000, unused: .owner("o"))
        #expect(provisioning.weightedTokens([.quantity(.inputTokens): 5_000_000_000_000_000_000, .quantity(.outputTokens): 2_000_000_000_000_000_000]) == Int64.max / 2)
        #expect(provisioning.weightedTokens([.quantity(.inputTokens): 3, .quantity(.cacheWriteInputTokens): 2, .quantity(.outputTokens): 1, .quantity(.cachedInputTokens): 9]) == 1005)
    }

    @Test("a difference is shared exactly, whatever its sign and the weights")
    func share() {
        let parts = Apportion.share(Money(picos: -10), by: [1, 1, 1])
        #expect(parts == [Money(picos: -4), Money(picos: -3), Money(picos: -3)])
        #expect(Apportion.share(Money(picos: 7), by: [0, 0]) == nil)
        let big = Apportion.share(Money(picos: 1_000_000_000_000_007), by: [Int64.max, 1, 3])
        #expect(big?.reduce(Money.zero, +) == Money(picos: 1_000_000_000_000_007))
    }
}
