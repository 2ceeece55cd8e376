import FunctionsProtocol

/// The one change the relay makes to a request: a streamed chat completion that did not ask for usage
/// gets `stream_options.include_usage: true`, so Azure OpenAI reports the exact usage in a last chunk
/// (which the relay then keeps from the client). The rule is the inbound policy's
/// (`policies/inbound-policy.xml`, `InboundPolicy.shouldInjectUsage`): chat completions only, an
/// api-version of 2024-09-01 or later unless on `/openai/v1/` (older versions refuse the field), and
/// never with `data_sources` (Azure OpenAI "On Your Data" refuses `stream_options`). Left alone too:
/// a body that is not a JSON object, not a stream, or already asks for usage; the Responses API
/// reports usage in `response.completed` without being asked.
enum StreamUsageOption {
    /// The body to send and whether the relay added the option (and must strip the usage chunk).
    static func apply(to body: [UInt8], path: String, apiVersion: String?) -> (body: [UInt8], injected: Bool) {
        guard path.hasSuffix("/chat/completions") else { return (body, false) }
        if !path.hasPrefix("/openai/v1/") {
            guard let version = apiVersion, version.count >= 10, String(version.prefix(10)) >= "2024-09-01" else { return (body, false) }
        }
        guard let document = try? JSONValue.parse(body), case var .object(members) = document,
              members.contains(where: { $0.key == "stream" && $0.value == .bool(true) }),
              !members.contains(where: { $0.key == "data_sources" }) else { return (body, false) }
        var options: [(key: String, value: JSONValue)] = []
        if let index = members.firstIndex(where: { $0.key == "stream_options" }) {
            guard case let .object(existing) = members[index].value else { return (body, false) }
            if existing.contains(where: { $0.key == "include_usage" && $0.value == .bool(true) }) { return (body, false) }
            options = existing.filter { $0.key != "include_usage" }
            members.remove(at: index)
        }
        members.append((key: "stream_options", value: .object(options + [(key: "include_usage", value: .bool(true))])))
        return (Array(JSONValue.object(members).compactText.utf8), true)
    }
}
