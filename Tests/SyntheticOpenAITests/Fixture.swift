import Foundation

/// The OpenAI fixtures shared by the test targets (`Tests/TestSupport/Fixtures/openai`).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TestSupport/Fixtures/openai")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func json(_ name: String) throws -> JSON {
        try JSON.parse(try bytes(name))
    }

    static func events(_ name: String) throws -> [SSEEvent] {
        SSEEvent.parse(try bytes(name))
    }
}
