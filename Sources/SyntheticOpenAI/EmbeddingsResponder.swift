import Foundation

/// Answers `POST …/embeddings`: one vector per input, seeded by the input's text (the same text always
/// gets the same vector), 3,072 dimensions for `…large…` models and 1,536 otherwise unless
/// `dimensions` says; `encoding_format: "base64"` packs little-endian float32s as the OpenAI SDKs ask.
enum EmbeddingsResponder {
    /// The answer to `body`, or the error it calls for.
    static func respond(to body: [UInt8], call: Call) throws(UpstreamError) -> SyntheticBody {
        let request = try RequestDecoding.decode(EmbeddingsRequest.self, from: body)
        let deployment = try call.deployment(bodyModel: request.model)
        _ = try Fault.check(request.input.texts, call: call)
        let model = call.modelForDeployment(deployment)
        let isLarge = deployment.lowercased().contains("large") || model.lowercased().contains("large")
        let dimensions = request.dimensions ?? (isLarge ? 3072 : 1536)
        guard (1...3072).contains(dimensions) else {
            throw .invalidRequest(message: "Invalid 'dimensions': must be between 1 and 3072.", parameter: "dimensions")
        }
        let isBase64 = request.encodingFormat == "base64"
        let data: [JSONText] = request.input.texts.enumerated().map { index, text in
            let units = vector(for: text, dimensions: dimensions)
            let embedding: JSONText = isBase64
                ? .string(base64(units))
                : .array(units.map { JSONText.decimal(units: $0, scale: 7) })
            return .members(["object": .string("embedding"), "index": .integer(index), "embedding": embedding])
        }
        let prompt = max(1, request.input.texts.reduce(0) { $0 + TokenRules.tokens($1) })
        let json: JSONText = .members([
            "object": .string("list"), "data": .array(data), "model": .string(model),
            "usage": .members(["prompt_tokens": .integer(prompt), "total_tokens": .integer(prompt)]),
        ])
        return .json(json.bytes)
    }

    /// Components in ten-millionths, within ±0.03.
    static func vector(for text: String, dimensions: Int) -> [Int] {
        var random = SplitMix64(seed: TokenRules.hash(text.utf8))
        return (0..<dimensions).map { _ in Int(random.next() % 600_001) - 300_000 }
    }

    /// The components as little-endian float32s, base64-encoded.
    static func base64(_ units: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(units.count * 4)
        for unit in units {
            let bits = Float(Double(unit) / 10_000_000).bitPattern
            bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        return Data(bytes).base64EncodedString()
    }
}
