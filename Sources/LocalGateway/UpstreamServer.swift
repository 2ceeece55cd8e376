import Foundation
import Hummingbird
import HTTPTypes
import Logging
import SyntheticOpenAI

/// An OpenAI-compatible upstream with deterministic usage, for local runs and tests.
public enum UpstreamServer {
    public static func run(port: Int, eventDelayMilliseconds: Int, logger: Logger) async throws {
        let application = Application(
            responder: UpstreamResponder(synthetic: SyntheticOpenAI(), eventDelay: .milliseconds(eventDelayMilliseconds)),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            logger: logger)
        FileHandle.standardOutput.write(Data("Synthetic OpenAI upstream on http://127.0.0.1:\(port) (deterministic usage)\n".utf8))
        try await application.runService()
    }
}

struct UpstreamResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let synthetic: SyntheticOpenAI
    let eventDelay: Duration

    /// A slow reasoning call, asked for by `[[think:<milliseconds>]]` anywhere in the request body
    /// (at most 10 minutes): a JSON answer is sent that much later; a stream sends its headers and
    /// first event at once, then pauses that long before the rest.
    static func thinkTime(_ body: [UInt8]) -> Duration {
        let marker = Array("[[think:".utf8)
        guard body.count > marker.count, let start = (0...(body.count - marker.count)).first(where: { body[$0..<($0 + marker.count)].elementsEqual(marker) })
        else { return .zero }
        var milliseconds = 0
        var index = start + marker.count
        while index < body.count, body[index] &- 0x30 < 10, milliseconds < 600_000 {
            milliseconds = milliseconds * 10 + Int(body[index] - 0x30)
            index += 1
        }
        return .milliseconds(min(milliseconds, 600_000))
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.uri.path == "/" {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "synthetic upstream\n")))
        }
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        var query: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if let name = parts.first { query[name] = parts.count > 1 ? parts[1].removingPercentEncoding ?? parts[1] : "" }
        }
        let bodyBytes = Array(buffer: body)
        let think = Self.thinkTime(bodyBytes)
        let answer = synthetic.respond(to: SyntheticRequest(method: request.method.rawValue, path: request.uri.path, query: query, body: bodyBytes,
                                                                      nonce: UInt64.random(in: 1...UInt64.max)))
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        switch answer.body {
        case let .json(bytes):
            // A JSON answer's headers come when it is complete: a long generation delays them.
            if think > .zero { try await Task.sleep(for: think) }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case let .events(events) where think > .zero:
            // A stream's headers and first event come at once; then nothing while the model thinks.
            let delay = eventDelay
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                for (index, event) in events.enumerated() {
                    try await writer.write(ByteBuffer(bytes: event))
                    if index == 0 { try await Task.sleep(for: think) } else if delay > .zero { try await Task.sleep(for: delay) }
                }
                try await writer.finish(nil)
            })
        case let .events(events) where eventDelay == .zero:
            // No pause asked for: the whole stream in one write (the client still reads SSE).
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: events.flatMap { $0 })))
        case let .events(events):
            let delay = eventDelay
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                for event in events {
                    try await writer.write(ByteBuffer(bytes: event))
                    if delay > .zero { try await Task.sleep(for: delay) }
                }
                try await writer.finish(nil)
            })
        }
    }
}
