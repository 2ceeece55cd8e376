/// The projection of an Embeddings request that the synthetic upstream reads.
struct EmbeddingsRequest: Decodable, Sendable {
    /// The deployment on `/openai/v1/…`.
    var model: String?
    /// One text or several.
    var input: TextList
    /// Vector length, when the client chose one.
    var dimensions: Int?
    /// `float` (the default) or `base64`.
    var encodingFormat: String?

    enum CodingKeys: String, CodingKey {
        case model, input, dimensions
        case encodingFormat = "encoding_format"
    }
}
