extension UsageEvent: Encodable {
    enum CodingKeys: String, CodingKey {
        case requestId, timestamp, subscriptionId, subscriptionName, productId, userId, apiId, operationId, deployment
        case modelVersion, operation, statusCode, isStream, usageSource, meters, responseId, batchId, createdObject, producedFiles, flags, source, gatewayRegion, backendRegion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(timestamp.isoText, forKey: .timestamp)
        try container.encode(subscriptionId, forKey: .subscriptionId)
        try container.encodeIfPresent(subscriptionName, forKey: .subscriptionName)
        try container.encodeIfPresent(productId, forKey: .productId)
        try container.encodeIfPresent(userId, forKey: .userId)
        try container.encodeIfPresent(apiId, forKey: .apiId)
        try container.encodeIfPresent(operationId, forKey: .operationId)
        try container.encode(deployment, forKey: .deployment)
        try container.encodeIfPresent(modelVersion, forKey: .modelVersion)
        try container.encode(operation, forKey: .operation)
        try container.encode(statusCode, forKey: .statusCode)
        try container.encode(isStream, forKey: .isStream)
        try container.encode(usageSource, forKey: .usageSource)
        try container.encode(meters, forKey: .meters)
        try container.encodeIfPresent(responseId, forKey: .responseId)
        try container.encodeIfPresent(batchId, forKey: .batchId)
        try container.encodeIfPresent(createdObject, forKey: .createdObject)
        if !producedFiles.isEmpty { try container.encode(producedFiles, forKey: .producedFiles) }
        try container.encode(flags, forKey: .flags)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(gatewayRegion, forKey: .gatewayRegion)
        try container.encodeIfPresent(backendRegion, forKey: .backendRegion)
    }
}

extension Meters: Encodable {
    enum CodingKeys: String, CodingKey {
        case inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens, audioInputTokens, audioOutputTokens
        case imageInputTokens, imageOutputTokens, images, imageSize, imageQuality, audioSeconds, characters
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputTokens, forKey: .inputTokens)
        try container.encode(cachedInputTokens, forKey: .cachedInputTokens)
        try container.encode(cacheWriteInputTokens, forKey: .cacheWriteInputTokens)
        try container.encode(outputTokens, forKey: .outputTokens)
        try container.encode(reasoningTokens, forKey: .reasoningTokens)
        try container.encode(audioInputTokens, forKey: .audioInputTokens)
        try container.encode(audioOutputTokens, forKey: .audioOutputTokens)
        try container.encode(imageInputTokens, forKey: .imageInputTokens)
        try container.encode(imageOutputTokens, forKey: .imageOutputTokens)
        try container.encode(images, forKey: .images)
        try container.encodeIfPresent(imageSize, forKey: .imageSize)
        try container.encodeIfPresent(imageQuality, forKey: .imageQuality)
        // Milliseconds are exact; seconds are shown with up to three decimals.
        try container.encode(Double(audioMilliseconds) / 1000, forKey: .audioSeconds)
        try container.encode(characters, forKey: .characters)
    }
}
