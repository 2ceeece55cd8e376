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
        let answer = synthetic.respond(to: SyntheticRequest(method: request.method.rawValue, path: request.uri.path, query: query, body: Array(buffer: body),
                                                                      nonce: UInt64.random(in: 1...UInt64.max)))
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        switch answer.body {
        case let .json(bytes):
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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
