/// Events are decoded back only from the spool, which holds what `encode(to:)` wrote.
extension UsageEvent: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let timestampText = try container.decode(String.self, forKey: .timestamp)
        guard let timestamp = UTCTimestamp.parse(timestampText) else {
            throw DecodingError.dataCorruptedError(forKey: .timestamp, in: container, debugDescription: "not an ISO 8601 timestamp")
        }
        self.init(
            requestId: try container.decode(String.self, forKey: .requestId), timestamp: timestamp,
            subscriptionId: try container.decode(String.self, forKey: .subscriptionId),
            deployment: try container.decode(String.self, forKey: .deployment),
            operation: try container.decode(Operation.self, forKey: .operation),
            statusCode: try container.decode(Int.self, forKey: .statusCode), isStream: try container.decode(Bool.self, forKey: .isStream),
            usageSource: try container.decode(UsageSource.self, forKey: .usageSource), meters: try container.decode(Meters.self, forKey: .meters),
            source: try container.decode(String.self, forKey: .source))
        subscriptionName = try container.decodeIfPresent(String.self, forKey: .subscriptionName)
        productId = try container.decodeIfPresent(String.self, forKey: .productId)
        userId = try container.decodeIfPresent(String.self, forKey: .userId)
        apiId = try container.decodeIfPresent(String.self, forKey: .apiId)
        operationId = try container.decodeIfPresent(String.self, forKey: .operationId)
        modelVersion = try container.decodeIfPresent(String.self, forKey: .modelVersion)
        responseId = try container.decodeIfPresent(String.self, forKey: .responseId)
        batchId = try container.decodeIfPresent(String.self, forKey: .batchId)
        createdObject = try container.decodeIfPresent(ObjectReference.self, forKey: .createdObject)
        producedFiles = try container.decodeIfPresent([String].self, forKey: .producedFiles) ?? []
        flags = try container.decode([String].self, forKey: .flags)
        gatewayRegion = try container.decodeIfPresent(String.self, forKey: .gatewayRegion)
        backendRegion = try container.decodeIfPresent(String.self, forKey: .backendRegion)
    }
}

extension Meters: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        inputTokens = try container.decode(Int64.self, forKey: .inputTokens)
        cachedInputTokens = try container.decode(Int64.self, forKey: .cachedInputTokens)
        // Absent from spool lines written before the meter existed.
        cacheWriteInputTokens = try container.decodeIfPresent(Int64.self, forKey: .cacheWriteInputTokens) ?? 0
        outputTokens = try container.decode(Int64.self, forKey: .outputTokens)
        reasoningTokens = try container.decode(Int64.self, forKey: .reasoningTokens)
        audioInputTokens = try container.decode(Int64.self, forKey: .audioInputTokens)
        audioOutputTokens = try container.decode(Int64.self, forKey: .audioOutputTokens)
        imageInputTokens = try container.decode(Int64.self, forKey: .imageInputTokens)
        imageOutputTokens = try container.decode(Int64.self, forKey: .imageOutputTokens)
        images = try container.decode(Int64.self, forKey: .images)
        imageSize = try container.decodeIfPresent(String.self, forKey: .imageSize)
        imageQuality = try container.decodeIfPresent(String.self, forKey: .imageQuality)
        // Seconds were written from exact milliseconds with at most three decimals.
        audioMilliseconds = Int64((try container.decode(Double.self, forKey: .audioSeconds) * 1000).rounded())
        characters = try container.decode(Int64.self, forKey: .characters)
    }
}
