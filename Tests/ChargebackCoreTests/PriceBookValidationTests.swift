import ChargebackCore
import Foundation
import TestSupport
import Testing

/// A bad price book is refused with a sentence naming the place and the problem.
@Suite struct PriceBookValidationTests {
    func refusal(_ prices: String, deployments: String = "{}", currency: String = "USD") -> String? {
        let json = """
        {"schemaVersion": 1, "currency": "\(currency)", "deployments": \(deployments), "prices": [\(prices)]}
        """
        do {
            _ = try PriceBook.load(json: Array(json.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    let set = #"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perMillionTokens": {"input": "1"}}"#

    @Test func acceptsAValidBook() {
        #expect(refusal(set) == nil)
    }

    @Test func unknownMeter() {
        let message = refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perMillionTokens": {"inptu": "1"}}"#)
        #expect(message?.contains("prices[0].perMillionTokens: unknown meter 'inptu'") == true)
    }

    @Test func negativeAndOverPrecisePrices() {
        #expect(refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perMillionTokens": {"input": "-1"}}"#)?
            .contains("prices[0].perMillionTokens.input: price '-1' is negative") == true)
        #expect(refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perAudioMinute": -0.5}"#)?
            .contains("is negative") == true)
        #expect(refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perAudioMinute": "0.00000001"}"#)?
            .contains("more than 6 decimal places") == true)
    }

    @Test func overlappingVersions() {
        let open = #"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "perMillionTokens": {"input": "1"}}"#
        let later = #"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-06-01", "perMillionTokens": {"input": "2"}}"#
        #expect(refusal(open + "," + later)?.contains("overlap") == true)
        let closed = #"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "effectiveTo": "2026-06-01", "perMillionTokens": {"input": "1"}}"#
        #expect(refusal(closed + "," + later) == nil)
        let overlapping = #"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "effectiveTo": "2026-06-02", "perMillionTokens": {"input": "1"}}"#
        #expect(refusal(overlapping + "," + later)?.contains("overlap") == true)
    }

    @Test func datesTypesAndCurrency() {
        #expect(refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-13-01", "perMillionTokens": {"input": "1"}}"#)?
            .contains("effectiveFrom '2026-13-01'") == true)
        #expect(refusal(#"{"model": "m", "deploymentType": "Global", "effectiveFrom": "2026-01-01", "perMillionTokens": {"input": "1"}}"#)?
            .contains("unknown deploymentType 'Global'") == true)
        #expect(refusal(set, deployments: #"{"d": {"model": "m", "deploymentType": "PayGo"}}"#)?.contains("deployments.d") == true)
        #expect(refusal(set, currency: "usd")?.contains("ISO 4217") == true)
        #expect(refusal(#"{"model": "m", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01"}"#)?.contains("prices nothing") == true)
        #expect(refusal(#"{"deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01"}"#)?.contains("missing field 'model'") == true)
    }

    @Test func costCenterFileErrors() {
        func refusal(_ json: String) -> String? {
            do {
                _ = try CostCenters.load(json: Array(json.utf8))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(refusal(#"{"schemaVersion": 1, "costCenters": [], "subscriptions": {"s": "CC-9"}}"#)?.contains("unknown cost center 'CC-9'") == true)
        #expect(refusal(#"{"schemaVersion": 1, "costCenters": [{"id": "unassigned"}]}"#)?.contains("reserved") == true)
        #expect(refusal(#"{"schemaVersion": 1, "costCenters": [{"id": "A", "reportKeySha256": ["secret"]}]}"#)?.contains("64 hex digits") == true)
        #expect(refusal(#"{"schemaVersion": 1, "costCenters": [{"id": "A"}, {"id": "A"}]}"#)?.contains("twice") == true)
    }

    @Test func shippedDefaultBookLoadsAndSaysItIsIllustrative() throws {
        let path = TestEnvironment.repositoryRoot + "/config/price-book.json"
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let book = try PriceBook.load(json: Array(bytes))
        #expect(book.isIllustrative)
        #expect(book.deployments.count >= 10)
        let centers = try #require(FileManager.default.contents(atPath: TestEnvironment.repositoryRoot + "/config/cost-centers.json"))
        #expect(try CostCenters.load(json: Array(centers)).centers.count >= 4)
    }
}
