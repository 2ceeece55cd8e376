/// The Azure OpenAI operations the relay serves: the streaming ones (chat completions, legacy
/// completions, Responses), under `/openai/deployments/{id}/…` or `/openai/v1/…`, with at most an
/// `api-version` query. Anything else is refused, so the relay is no open door to the account's
/// other APIs (files, fine-tuning, deployments) under the app's identity.
enum RelayTarget {
    /// The path of an allowed target (path and query), nil otherwise.
    static func path(of target: String) -> String? {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        if parts.count == 2 {
            let query = parts[1]
            guard query.hasPrefix("api-version="), query.dropFirst(12).allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else { return nil }
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.utf8.count <= 512, segments.first == "", segments.dropFirst().allSatisfy({ segment in
            !segment.isEmpty && segment != "." && segment != ".." && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        }) else { return nil }
        let tail = Array(segments.dropFirst())
        switch tail.count {
        case 3 where tail[0] == "openai" && tail[1] == "v1" && tail[2] == "responses": return path
        case 2 where tail[0] == "openai" && tail[1] == "responses": return path
        case 4 where tail[0] == "openai" && tail[1] == "v1" && tail[2] == "chat" && tail[3] == "completions": return path
        case 3 where tail[0] == "openai" && tail[1] == "v1" && tail[2] == "completions": return path
        case 5 where tail[0] == "openai" && tail[1] == "deployments" && tail[3] == "chat" && tail[4] == "completions": return path
        case 4 where tail[0] == "openai" && tail[1] == "deployments" && tail[3] == "completions": return path
        default: return nil
        }
    }

    /// The `api-version` of a target, if it has one.
    static func apiVersion(of target: String) -> String? {
        guard let index = target.firstIndex(of: "?") else { return nil }
        let query = target[target.index(after: index)...]
        return query.hasPrefix("api-version=") ? String(query.dropFirst(12)) : nil
    }
}
