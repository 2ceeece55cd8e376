/// An OpenAI-compatible synthetic upstream: answers requests aimed at Azure OpenAI with deterministic,
/// realistic responses in the exact shapes Azure OpenAI sends (chat, legacy completions, embeddings,
/// Responses, image generation; JSON and SSE), for local demos and tests. No I/O: the caller serves it.
///
/// Routes (POST only; anything else is a 404 with an OpenAI-style error body, a body that is not JSON
/// a 400 `invalid_request_error`):
/// - `/openai/deployments/{d}/chat/completions`, `/openai/v1/chat/completions`
/// - `/openai/deployments/{d}/completions`, `/openai/v1/completions`
/// - `/openai/deployments/{d}/embeddings`, `/openai/v1/embeddings`
/// - `/openai/responses`, `/openai/v1/responses`
/// - `/openai/deployments/{d}/images/generations`, `/openai/v1/images/generations`
///
/// The deployment is the path's `{d}`, else the body's `model`; every `model` in a response is
/// `modelForDeployment(deployment)`.
///
/// The numbers (characters are Unicode scalars; h is the 64-bit FNV-1a hash of the request body bytes):
/// - chat prompt tokens = Σ over messages (3 + ⌈characters of its text ÷ 4⌉) + 3, the text being a string
///   `content` or the `text` of its `type: "text"` parts;
/// - Responses input tokens = ⌈characters of `instructions` + `input` text ÷ 4⌉ + 3;
/// - embeddings and legacy completions prompt tokens = Σ ⌈characters ÷ 4⌉ per input, at least 1;
/// - cached tokens = (prompt ÷ 128) × 64 when prompt ≥ 1,024, else 0 (chat and Responses only);
/// - cache-write tokens, for GPT-5.6 and later only (`gpt-5.6…`, `gpt-6…`: the models that bill them) =
///   ((prompt − cached) ÷ 256) × 128 when prompt ≥ 1,024, else 0, reported as
///   `prompt_tokens_details.cache_write_tokens` (Responses: `input_tokens_details.cache_write_tokens`),
///   part of the prompt like the cached ones; other models report no such field;
/// - completion tokens = 16 + h mod 240, capped by `max_tokens`, `max_completion_tokens` or
///   `max_output_tokens` when given;
/// - reasoning tokens = completion ÷ 2 (integer division) when the deployment or model is `o<digit>…`
///   or `gpt-5…`, else 0; they are part of the completion tokens, as Azure reports them;
/// - the visible text is completion − reasoning words from a fixed list (one token per word); a stream
///   sends one word per chunk or delta;
/// - total = prompt + completion; chat always reports `prompt_tokens_details.cached_tokens` and
///   `completion_tokens_details.reasoning_tokens`, Responses `input_tokens_details.cached_tokens` and
///   `output_tokens_details.reasoning_tokens`;
/// - gpt-image-1: input = text tokens = ⌈prompt characters ÷ 4⌉ (image tokens 0); output = n × 272 (low),
///   1,056 (medium, the default) or 4,160 (high) for square sizes, 1.5 times that for other sizes;
///   dall-e-3 reports no usage, one image per `data` item.
///
/// Chat streams follow Azure: a prompt-filter chunk (`choices: []`, `id: ""`, `model: ""`), a role chunk,
/// one chunk per word, a `finish_reason` chunk, a usage chunk (`choices: []`) only when
/// `stream_options.include_usage` is true, then `data: [DONE]`; without `include_usage` no chunk has usage.
///
/// Faults, asked for by a marker in any message, input or prompt text (first match in this order):
/// `[[fault:429]]` → 429 with `Retry-After: 1`; `[[fault:500]]` → 500 `server_error`;
/// `[[fault:content_filter]]` → 400 `content_filter` with `innererror.content_filter_result`;
/// `[[fault:completion_filter]]` → 200 with `finish_reason: "content_filter"` (Responses: `incomplete`)
/// and normal usage.
///
/// Every response has `Content-Type`, `x-ms-region: East US 2` and `apim-request-id`/`x-request-id`
/// derived from h, so the same request always gets byte-identical responses.
public struct SyntheticOpenAI: Sendable {
    /// Maps a deployment name to the model version responses report, e.g. `gpt-4o` → `gpt-4o-2024-11-20`.
    public let modelForDeployment: @Sendable (String) -> String

    /// An upstream reporting `modelForDeployment(deployment)` as each response's `model` (by default the deployment name).
    public init(modelForDeployment: @escaping @Sendable (String) -> String = { $0 }) {
        self.modelForDeployment = modelForDeployment
    }

    /// The response Azure OpenAI would give to this request, deterministically.
    public func respond(to request: SyntheticRequest) -> SyntheticResponse {
        let hash = TokenRules.hash(request.body)
        guard let route = Route.match(method: request.method, path: request.path) else {
            return Self.response(status: 404, body: .json(UpstreamError.notFound.json.bytes), hash: hash)
        }
        let call = Call(
            route: route, hash: hash, apiVersion: request.query["api-version"] ?? "2024-10-21", modelForDeployment: modelForDeployment,
            nonce: request.nonce)
        do throws(UpstreamError) {
            let body: SyntheticBody
            switch route.endpoint {
            case .chat: body = try ChatResponder.respond(to: request.body, call: call)
            case .completion: body = try CompletionResponder.respond(to: request.body, call: call)
            case .embeddings: body = try EmbeddingsResponder.respond(to: request.body, call: call)
            case .responses: body = try ResponsesResponder.respond(to: request.body, call: call)
            case .images: body = try ImagesResponder.respond(to: request.body, call: call)
            }
            return Self.response(status: 200, body: body, hash: hash ^ request.nonce)
        } catch {
            return Self.response(status: error.status, body: .json(error.json.bytes), hash: hash ^ request.nonce, retryAfter: error.retryAfterSeconds)
        }
    }

    /// Wraps a body with Azure's headers.
    static func response(status: Int, body: SyntheticBody, hash: UInt64, retryAfter: Int? = nil) -> SyntheticResponse {
        let ids = Identifiers(hash: hash)
        var headers: [(name: String, value: String)] = []
        switch body {
        case .json: headers.append((name: "Content-Type", value: "application/json"))
        case .events: headers.append((name: "Content-Type", value: "text/event-stream"))
        }
        headers.append((name: "apim-request-id", value: ids.uuid(salt: "apim-request-id")))
        headers.append((name: "x-request-id", value: ids.uuid(salt: "x-request-id")))
        headers.append((name: "x-ms-region", value: "East US 2"))
        if case .events = body { headers.append((name: "x-accel-buffering", value: "no")) }
        if let retryAfter {
            headers.append((name: "Retry-After", value: String(retryAfter)))
            headers.append((name: "retry-after-ms", value: String(retryAfter * 1000)))
        }
        return SyntheticResponse(status: status, headers: headers, body: body)
    }
}
