/// Azure's content-filter annotations, all "safe" unless a fault says otherwise.
enum ContentFilterResults {
    /// `{"filtered": false, "severity": "safe"}`.
    static let safe: JSONText = .members(["filtered": .bool(false), "severity": .string("safe")])

    /// `{"filtered": …, "detected": …}` for detection-only categories.
    static func detection(_ isDetected: Bool) -> JSONText {
        .members(["filtered": .bool(isDetected), "detected": .bool(isDetected)])
    }

    /// The four harm categories, as on streamed chunks.
    static let harms: JSONText = .members(["hate": safe, "self_harm": safe, "sexual": safe, "violence": safe])

    /// A chat or completion prompt's annotations (with `jailbreak`).
    static let prompt: JSONText = .members([
        "hate": safe, "jailbreak": detection(false), "self_harm": safe, "sexual": safe, "violence": safe,
    ])

    /// `prompt_filter_results` of a chat or completion response.
    static let promptFilterResults: JSONText = .array([.members(["prompt_index": .integer(0), "content_filter_results": prompt])])

    /// `prompt_filter_results` of a legacy completion (no `jailbreak`, as `completion-legacy.json`).
    static let legacyPromptFilterResults: JSONText = .array([.members(["prompt_index": .integer(0), "content_filter_results": harms])])

    /// A non-streamed chat choice's annotations (with protected material; detected when filtered).
    static func choice(isFiltered: Bool) -> JSONText {
        .members([
            "hate": safe, "protected_material_code": detection(false), "protected_material_text": detection(isFiltered),
            "self_harm": safe, "sexual": safe, "violence": safe,
        ])
    }

    /// A completion stopped by the filter: protected material detected.
    static let completionFiltered: JSONText = .members(["protected_material_text": detection(true)])

    /// The `content_filter_result` of a prompt rejected with 400.
    static let jailbreakDetected: JSONText = .members([
        "hate": safe, "jailbreak": detection(true), "self_harm": safe, "sexual": safe, "violence": safe,
    ])

    /// A dall-e-3 image's prompt annotations (with `profanity`).
    static let imagePrompt: JSONText = .members([
        "hate": safe, "profanity": detection(false), "self_harm": safe, "sexual": safe, "violence": safe,
    ])
}
