/// One counter of the hourly ledger (one subscription × deployment × UTC hour): the vocabulary the
/// ledger, the rollup, the pricer and the reports share. Only the Redis adapter spells counters as
/// field names (`LedgerKeys.field(_:)` and `LedgerKeys.counter(field:)`), so each is spelled once.
public enum Counter: Hashable, Sendable {
    /// Events counted, whatever their status.
    case requests
    /// Events of one operation.
    case operation(Operation)
    /// A metered quantity: tokens by kind, audio milliseconds, characters.
    case quantity(Quantity)
    /// Images made, by the size and quality the request asked for (`unknown` when it said none).
    case images(size: String, quality: String)
    /// Calls that failed, by status class; `nil`: no status at all (the call got no answer).
    case errors(statusClass: Int?)
    /// Events whose usage was estimated (the response reported none).
    case usageEstimated
    /// Events with no usage at all (no body to read).
    case usageMissing
    /// Responses or Batch results billed to the caller because no creator was recorded.
    case ownerUnknown

    /// The quantities a usage event carries (`Meters`).
    public enum Quantity: String, Sendable, CaseIterable {
        case inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens, audioInputTokens, audioOutputTokens
        case imageInputTokens, imageOutputTokens, audioMilliseconds, characters
    }
}

extension UsageEvent {
    /// What this event adds to its hour's counters (zeros left out): one request, its operation,
    /// each quantity, the images, the error class and the estimate flags. The ledger adds
    /// `.ownerUnknown` when it bills a result to its caller for want of a recorded creator.
    public var counterIncrements: [(counter: Counter, amount: Int64)] {
        var increments: [(counter: Counter, amount: Int64)] = [(.requests, 1), (.operation(operation), 1)]
        for quantity in Counter.Quantity.allCases {
            increments.append((.quantity(quantity), meters[quantity]))
        }
        if meters.images > 0 {
            increments.append((.images(size: meters.imageSize ?? "unknown", quality: meters.imageQuality ?? "unknown"), meters.images))
        }
        if statusCode >= 400 || statusCode == 0 {
            increments.append((.errors(statusClass: statusCode == 0 ? nil : statusCode / 100), 1))
        }
        switch usageSource {
        case .estimated: increments.append((.usageEstimated, 1))
        case .none: increments.append((.usageMissing, 1))
        case .reported: break
        }
        return increments.filter { $0.amount != 0 }
    }
}

extension Meters {
    /// The amount of one quantity.
    public subscript(quantity: Counter.Quantity) -> Int64 {
        switch quantity {
        case .inputTokens: return inputTokens
        case .cachedInputTokens: return cachedInputTokens
        case .cacheWriteInputTokens: return cacheWriteInputTokens
        case .outputTokens: return outputTokens
        case .reasoningTokens: return reasoningTokens
        case .audioInputTokens: return audioInputTokens
        case .audioOutputTokens: return audioOutputTokens
        case .imageInputTokens: return imageInputTokens
        case .imageOutputTokens: return imageOutputTokens
        case .audioMilliseconds: return audioMilliseconds
        case .characters: return characters
        }
    }
}
