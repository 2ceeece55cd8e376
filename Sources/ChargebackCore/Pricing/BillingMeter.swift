/// A billable quantity as the price book and the chargeback lines name it.
public enum BillingMeter: Sendable, Hashable, CustomStringConvertible {
    case input, cachedInput, cacheWrite, output, reasoning, audioInput, audioOutput, imageInput, imageOutput
    /// Generated images of one size and quality, priced per image.
    case image(size: String, quality: String)
    /// Audio duration (quantity in milliseconds), priced per minute.
    case audio
    /// Characters turned into speech, priced per 1M characters.
    case characters
    /// A share of a provisioned (PTU) deployment's hours, in millionths of a PTU-hour, priced per
    /// PTU-hour (`Provisioning`).
    case provisioned

    /// The token meters a price book prices per 1M tokens, by name.
    public static let tokenMeters: [BillingMeter] = [.input, .cachedInput, .cacheWrite, .output, .reasoning, .audioInput, .audioOutput, .imageInput,
                                                     .imageOutput]

    /// The meter's name in lines and reports: `input`, `image:1024x1024:hd`, `audio`.
    public var name: String {
        switch self {
        case .input: return "input"
        case .cachedInput: return "cachedInput"
        case .cacheWrite: return "cacheWrite"
        case .output: return "output"
        case .reasoning: return "reasoning"
        case .audioInput: return "audioInput"
        case .audioOutput: return "audioOutput"
        case .imageInput: return "imageInput"
        case .imageOutput: return "imageOutput"
        case let .image(size, quality): return "image:\(size):\(quality)"
        case .audio: return "audio"
        case .characters: return "characters"
        case .provisioned: return "provisioned"
        }
    }

    public var description: String { name }

    static let byName: [String: BillingMeter] = Dictionary(
        uniqueKeysWithValues: (tokenMeters + [.audio, .characters, .provisioned]).map { ($0.name, $0) })

    /// The meter of a name; nil when unknown.
    public init?(name: String) {
        if let known = BillingMeter.byName[name] {
            self = known
            return
        }
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "image", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self = .image(size: String(parts[1]), quality: String(parts[2]))
    }

    /// What one price of this meter is for.
    public var unit: PricingUnit {
        switch self {
        case .image: return .image
        case .audio: return .minute
        case .characters: return .millionCharacters
        case .provisioned: return .ptuHour
        default: return .millionTokens
        }
    }

    /// The ledger counter holding this meter's quantity; nil for provisioned hours, which are
    /// allocated, not counted.
    public var counter: Counter? {
        switch self {
        case .input: return .quantity(.inputTokens)
        case .cachedInput: return .quantity(.cachedInputTokens)
        case .cacheWrite: return .quantity(.cacheWriteInputTokens)
        case .output: return .quantity(.outputTokens)
        case .reasoning: return .quantity(.reasoningTokens)
        case .audioInput: return .quantity(.audioInputTokens)
        case .audioOutput: return .quantity(.audioOutputTokens)
        case .imageInput: return .quantity(.imageInputTokens)
        case .imageOutput: return .quantity(.imageOutputTokens)
        case let .image(size, quality): return .images(size: size, quality: quality)
        case .audio: return .quantity(.audioMilliseconds)
        case .characters: return .quantity(.characters)
        case .provisioned: return nil
        }
    }
}

/// The quantity one price is for, and the exact cost arithmetic of each.
public enum PricingUnit: String, Sendable, Hashable, CaseIterable {
    case millionTokens = "1M tokens"
    case image = "1 image"
    case minute = "1 minute"
    case millionCharacters = "1M characters"
    case ptuHour = "1 PTU-hour"

    /// The unit of a line's quantity.
    public var consumedUnit: String {
        switch self {
        case .millionTokens: return "tokens"
        case .image: return "images"
        case .minute: return "milliseconds"
        case .millionCharacters: return "characters"
        case .ptuHour: return "millionths of a PTU-hour"
        }
    }

    /// `quantity` × `micros` per unit, exactly (per-minute audio rounded half to even to a pico).
    public func cost(quantity: Int64, micros: Int64) -> Money {
        let product = Int128(quantity) * Int128(micros)
        switch self {
        case .millionTokens, .millionCharacters, .ptuHour:
            // micros per 10⁶ units = picos per unit (a PTU-hour line counts millionths of a PTU-hour).
            return Money(picos: product)
        case .image:
            return Money(picos: product * 1_000_000)
        case .minute:
            // milliseconds × micros/minute × 10⁶ picos/micro ÷ 60,000 ms/minute = × 50 ÷ 3.
            let numerator = product * 50
            var quotient = numerator / 3
            let remainder = numerator - quotient * 3
            if remainder * 2 > 3 || (remainder * 2 < -3) { quotient += remainder > 0 ? 1 : -1 }
            return Money(picos: quotient)
        }
    }
}
