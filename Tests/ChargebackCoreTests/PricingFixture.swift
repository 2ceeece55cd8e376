import ChargebackCore
import CivilCalendar

/// A price book for the money tests: every meter kind, two versions of one model, a batch type,
/// a model without a cached price.
enum PricingFixture {
    static let json = """
    {
      "schemaVersion": 1, "name": "test book", "currency": "USD",
      "deployments": {
        "chat": {"model": "gpt-4o", "modelVersion": "2024-11-20", "deploymentType": "GlobalStandard", "region": "eastus2"},
        "reasoner": {"model": "o3", "deploymentType": "GlobalStandard"},
        "reasoner-plain": {"model": "o4-mini", "deploymentType": "GlobalStandard"},
        "audio": {"model": "gpt-4o-audio-preview", "deploymentType": "GlobalStandard"},
        "image-tokens": {"model": "gpt-image-1", "deploymentType": "GlobalStandard"},
        "dalle": {"model": "dall-e-3", "deploymentType": "Standard"},
        "whisper": {"model": "whisper", "deploymentType": "Standard"},
        "tts": {"model": "tts", "deploymentType": "Standard"},
        "batch": {"model": "gpt-4o-mini", "deploymentType": "GlobalBatch"},
        "no-cache": {"model": "nocache", "deploymentType": "GlobalStandard"},
        "cache-writer": {"model": "gpt-5-cw", "deploymentType": "GlobalStandard"}
      },
      "prices": [
        {"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-01-01", "effectiveTo": "2026-11-15",
         "perMillionTokens": {"input": "2.50", "cachedInput": "1.25", "output": 10}},
        {"model": "gpt-4o", "deploymentType": "GlobalStandard", "effectiveFrom": "2026-11-15", "version": "gpt-4o-nov-cut",
         "perMillionTokens": {"input": "2.00", "cachedInput": "1.00", "output": "8.00"}},
        {"model": "o3", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "2.00", "output": "8.00", "reasoning": "9.00"}},
        {"model": "o4-mini", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "1.10", "output": "4.40"}},
        {"model": "gpt-4o-audio-preview", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "2.50", "output": "10.00", "audioInput": "40", "audioOutput": "80"}},
        {"model": "gpt-image-1", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "5.00", "imageInput": "10.00", "imageOutput": "40.00"}},
        {"model": "dall-e-3", "deploymentType": "Standard", "effectiveFrom": "2025-01-01",
         "perImage": {"1024x1024:standard": "0.04", "1024x1024:hd": "0.08", "*": "0.12"}},
        {"model": "whisper", "deploymentType": "Standard", "effectiveFrom": "2025-01-01", "perAudioMinute": "0.006"},
        {"model": "tts", "deploymentType": "Standard", "effectiveFrom": "2025-01-01", "perMillionCharacters": "15.00"},
        {"model": "gpt-4o-mini", "deploymentType": "GlobalBatch", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "0.075", "cachedInput": "0.0375", "output": "0.30"}},
        {"model": "nocache", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "1.00", "output": "2.00"}},
        {"model": "gpt-5-cw", "deploymentType": "GlobalStandard", "effectiveFrom": "2025-01-01",
         "perMillionTokens": {"input": "1.25", "cachedInput": "0.125", "cacheWrite": "1.5625", "output": "10.00"}}
      ]
    }
    """

    static func book() throws -> PriceBook { try PriceBook.load(json: Array(json.utf8)) }

    static func pricer(costCenters: CostCenters = CostCenters(subscriptions: [:])) throws -> Pricer {
        Pricer(book: try book(), costCenters: costCenters)
    }

    static func day(_ text: String) -> CivilDay { CivilDay.parse(text) ?? CivilDay(daysSinceEpoch: 0) }
}
