/// Answers `POST …/images/generations`. A deployment or model naming `dall-e` answers as dall-e-3
/// (no usage, one `{revised_prompt, url}` per image); anything else as gpt-image-1 (base64 images,
/// the chosen `quality` and `size` echoed, token `usage`).
enum ImagesResponder {
    /// A 1×1 PNG: the placeholder every gpt-image-1 image is.
    static let placeholderPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

    /// gpt-image-1 output tokens per square image by quality; other sizes take 1.5 times as many.
    static let squareOutputTokens = ["low": 272, "medium": 1056, "high": 4160]

    /// The answer to `body`, or the error it calls for.
    static func respond(to body: [UInt8], call: Call) throws(UpstreamError) -> SyntheticBody {
        let request = try RequestDecoding.decode(ImagesRequest.self, from: body)
        let deployment = try call.deployment(bodyModel: request.model)
        _ = try Fault.check([request.prompt], call: call)
        let count = request.n ?? 1
        guard (1...10).contains(count) else {
            throw .invalidRequest(message: "Invalid 'n': must be between 1 and 10.", parameter: "n")
        }
        let size = request.size == nil || request.size == "auto" ? "1024x1024" : request.size ?? ""
        guard let side = squareness(size) else {
            throw .invalidRequest(message: "Invalid 'size': expected WIDTHxHEIGHT.", parameter: "size")
        }
        let model = call.modelForDeployment(deployment)
        if deployment.lowercased().contains("dall-e") || model.lowercased().contains("dall-e") {
            return .json(dallE(request, count: count, call: call).bytes)
        }
        let quality = request.quality == nil || request.quality == "auto" ? "medium" : request.quality ?? ""
        guard let perImage = squareOutputTokens[quality] else {
            throw .invalidRequest(message: "Invalid 'quality': expected low, medium, high or auto.", parameter: "quality")
        }
        let output = (side ? perImage : perImage * 3 / 2) * count
        let input = TokenRules.tokens(request.prompt)
        let image: JSONText = .members(["b64_json": .string(placeholderPNG)])
        let json: JSONText = .members([
            "created": .integer(call.created), "data": .array(Array(repeating: image, count: count)),
            "background": .string(request.background ?? "opaque"), "output_format": .string(request.outputFormat ?? "png"),
            "quality": .string(quality), "size": .string(size),
            "usage": .members([
                "input_tokens": .integer(input),
                "input_tokens_details": .members(["image_tokens": .integer(0), "text_tokens": .integer(input)]),
                "output_tokens": .integer(output), "total_tokens": .integer(input + output),
            ]),
        ])
        return .json(json.bytes)
    }

    /// dall-e-3's answer: no usage, no size or quality; the prompt comes back as the revised prompt.
    static func dallE(_ request: ImagesRequest, count: Int, call: Call) -> JSONText {
        let images: [JSONText] = (0..<count).map { index in
            let location: JSONText.Member = request.responseFormat == "b64_json"
                ? .init(name: "b64_json", value: .string(placeholderPNG))
                : .init(name: "url", value: .string("https://synthetic-openai.invalid/images/\(call.ids.uuid(salt: "image"))/generated_0\(index).png"))
            return .object([
                .init(name: "revised_prompt", value: .string(request.prompt)), location,
                .init(name: "prompt_filter_results", value: ContentFilterResults.imagePrompt),
                .init(name: "content_filter_results", value: ContentFilterResults.harms),
            ])
        }
        return .members(["created": .integer(call.created), "data": .array(images)])
    }

    /// For `WIDTHxHEIGHT`, whether the image is square; nil when the text is not a size.
    static func squareness(_ size: String) -> Bool? {
        let sides = size.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides.allSatisfy({ $0 > 0 }) else { return nil }
        return sides[0] == sides[1]
    }
}
