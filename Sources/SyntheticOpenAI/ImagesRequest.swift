/// The projection of an image-generation request that the synthetic upstream reads.
struct ImagesRequest: Decodable, Sendable {
    /// The deployment on `/openai/v1/…`.
    var model: String?
    /// The image description; its characters decide the input tokens.
    var prompt: String
    /// Images to generate, 1 to 10 (default 1).
    var n: Int?
    /// `WIDTHxHEIGHT` or `auto` (default `1024x1024`).
    var size: String?
    /// gpt-image-1: `low`, `medium`, `high` or `auto` (medium); dall-e-3: `standard` or `hd`.
    var quality: String?
    /// dall-e-3: `url` (default) or `b64_json`.
    var responseFormat: String?
    /// gpt-image-1: echoed (default `opaque`).
    var background: String?
    /// gpt-image-1: echoed (default `png`).
    var outputFormat: String?

    enum CodingKeys: String, CodingKey {
        case model, prompt, n, size, quality, background
        case responseFormat = "response_format"
        case outputFormat = "output_format"
    }
}
