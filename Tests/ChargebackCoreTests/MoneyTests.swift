import ChargebackCore
import Testing

@Suite struct MoneyTests {
    @Test func decimalPricesAreExactMicros() throws {
        #expect(try DecimalText.micros("2.50") == 2_500_000)
        #expect(try DecimalText.micros("0.0375") == 37_500)
        #expect(try DecimalText.micros("10") == 10_000_000)
        #expect(try DecimalText.micros("0.000001") == 1)
        #expect(try DecimalText.micros("1.2500000") == 1_250_000)
        #expect(throws: DecimalText.Refusal.negative) { try DecimalText.micros("-1.0") }
        #expect(throws: DecimalText.Refusal.tooPrecise) { try DecimalText.micros("0.0000001") }
        #expect(throws: DecimalText.Refusal.malformed) { try DecimalText.micros("1e-3") }
        #expect(throws: DecimalText.Refusal.malformed) { try DecimalText.micros("") }
        #expect(throws: DecimalText.Refusal.malformed) { try DecimalText.micros("1.") }
        #expect(DecimalText.text(micros: 37_500) == "0.0375")
        #expect(DecimalText.text(micros: 2_500_000) == "2.50")
    }

    @Test func presentationRoundsHalfToEven() {
        // 0.0000125 → 6 places: exactly half between 0.000012 and 0.000013 → even 0.000012.
        #expect(Money(picos: 12_500_000).text(decimals: 6) == "0.000012")
        #expect(Money(picos: 13_500_000).text(decimals: 6) == "0.000014")
        #expect(Money(picos: 12_500_001).text(decimals: 6) == "0.000013")
        #expect(Money(picos: -12_500_000).text(decimals: 6) == "-0.000012")
        #expect(Money(picos: 1_005_000_000_000).text(decimals: 2) == "1.00")
        #expect(Money(picos: 1_015_000_000_000).text(decimals: 2) == "1.02")
        #expect(Money(picos: 0).text(decimals: 2) == "0.00")
    }

    @Test func exactTextRoundTrips() {
        for picos: Int128 in [0, 1, 2_500_000_000_000, 185_175_000_000, -3_200_000_000, 123_456_789_012_345_678] {
            let money = Money(picos: picos)
            #expect(Money(exactText: money.exactText) == money)
        }
        #expect(Money(picos: 2_500_000_000).exactText == "0.0025")
        #expect(Money(picos: 5_500_000_000_000).exactText == "5.50")
        #expect(Money(exactText: "1.2.3") == nil)
        #expect(Money(exactText: "0.0000000000001") == nil)
    }

    @Test func sumsOfBillionsOfTokensStayExact() {
        // 10¹² tokens at 80.00 per 1M = 80,000,000 USD: far beyond Int64 picos, fine in 128 bits.
        let cost = PricingUnit.millionTokens.cost(quantity: 1_000_000_000_000, micros: 80_000_000)
        #expect(cost.text(decimals: 2) == "80000000.00")
    }
}
