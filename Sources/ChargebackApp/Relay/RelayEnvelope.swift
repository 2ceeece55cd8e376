import JSONOutput

/// The payload-contract envelope (docs/payload-contract.md, v1) of a relayed call, as APIM's outbound
/// policy would have posted it: the same extractor reads it and the same ledger counts it, under the
/// same exactly-once id (APIM's request id), so a call is counted once whichever way it came.
struct RelayEnvelope {
    var requestId: String
    var timestamp: String
    var elapsedMilliseconds: Int64
    var subscriptionId: String?
    var path: String
    var apiVersion: String?
    var statusCode: Int
    var isStream: Bool
    var responseContentType: String?
    var requestBody: [UInt8]
    /// The answer as Azure OpenAI gave it (the usage chunk included), up to `maxBodyBytes`; nil when
    /// it was not captured (the relay's write-ahead estimate, made before the answer streams).
    var responseBody: [UInt8]?
    /// Its full length, when more than was kept.
    var responseLength: Int
    /// The last bytes of an answer over the limit (`responseBodyTail`).
    var responseTail: [UInt8]?

    var bytes: [UInt8] {
        var writer = JSONWriter(capacity: 512 + requestBody.count + (responseBody?.count ?? 0) * 11 / 10)
        writer.openObject()
        writer.member("schemaVersion", 1)
        writer.member("source", "outbound")
        writer.member("requestId", requestId)
        writer.member("timestamp", timestamp)
        writer.member("elapsedMs", elapsedMilliseconds)
        writer.member("subscriptionId", subscriptionId)
        writer.member("method", "POST")
        writer.member("path", path)
        writer.member("apiVersion", apiVersion)
        writer.member("statusCode", statusCode)
        writer.member("isStream", isStream)
        writer.member("responseContentType", responseContentType)
        writer.member("requestBody", String(decoding: requestBody, as: UTF8.self))
        writer.member("requestBodyLength", requestBody.count)
        writer.key("responseBody")
        if responseTail == nil, let responseBody { writer.string(String(decoding: responseBody, as: UTF8.self)) } else { writer.null() }
        writer.member("responseBodyLength", responseLength)
        writer.key("responseBodyTail")
        if let responseTail { writer.string(String(decoding: responseTail, as: UTF8.self)) } else { writer.null() }
        writer.closeObject()
        return writer.bytes
    }
}
