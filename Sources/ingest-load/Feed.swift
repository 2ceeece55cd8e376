import Foundation
import NIOCore
import PlainHTTPClient

/// `ingest-load --feed`: the reliability suite's sender. It reads deliveries on stdin and writes
/// every answer on stdout, so the suite keeps its own ledger while the HTTP work is this one load
/// generator's. A line in: `ITEM <tab> COUNT <tab> URL <tab> KEY <tab> BODY` (a one-line envelope);
/// an item's COUNT deliveries come on consecutive lines and are sent at the same instant (copies of
/// one event racing each other). A line out: `ITEM <tab> INDEX <tab> STATUS <tab> OUTCOME`, where
/// OUTCOME is what ingest said (`recorded`, `duplicate`, `spooled`, or the error code) and STATUS 0
/// means no answer (`no_answer:<reason>`). At most `concurrency` items are in flight; stdin is read
/// only as items finish, so the suite's generator is never run far ahead of the sends.
struct Feed: Sendable {
    let client: PlainHTTPClient
    let headers: [(String, String)]
    let concurrency: Int

    struct Delivery: Sendable {
        var item: String
        var index: Int
        var url: String
        var key: String
        var body: [UInt8]
    }

    func run() async {
        let credits = DispatchSemaphore(value: max(1, concurrency))
        let (items, continuation) = AsyncStream.makeStream(of: [Delivery].self)
        Thread.detachNewThread {
            while true {
                credits.wait()
                // The credit goes back at the end: libdispatch traps on a semaphore freed below its start value.
                guard let item = Self.readItem() else { credits.signal(); break }
                continuation.yield(item)
            }
            continuation.finish()
        }
        let output = NSLock()
        await withDiscardingTaskGroup { group in
            for await item in items {
                group.addTask {
                    let answers = await withTaskGroup(of: (Int, String).self) { copies in
                        for delivery in item { copies.addTask { (delivery.index, await send(delivery)) } }
                        var answers: [(Int, String)] = []
                        for await answer in copies { answers.append(answer) }
                        return answers
                    }
                    let lines = answers.map { "\(item[0].item)\t\($0.0)\t\(Self.oneField($0.1))\n" }.joined()
                    output.withLock {
                        FileHandle.standardOutput.write(Data(lines.utf8))
                    }
                    credits.signal()
                }
            }
        }
    }

    /// One item's deliveries; nil at the end of input. A malformed line ends the run with a message.
    static func readItem() -> [Delivery]? {
        var deliveries: [Delivery] = []
        var count = 1
        while deliveries.count < count {
            guard let line = readLine(strippingNewline: true) else {
                if !deliveries.isEmpty { fail("input ended inside an item") }
                return nil
            }
            let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5, let declared = Int(fields[1]), declared >= 1 else { fail("a line is not ITEM, COUNT, URL, KEY, BODY") }
            if let first = deliveries.first, first.item != fields[0] || declared != count { fail("item \(first.item) has fewer lines than its COUNT") }
            count = declared
            deliveries.append(Delivery(item: String(fields[0]), index: deliveries.count, url: String(fields[2]), key: String(fields[3]),
                                       body: Array(fields[4].utf8)))
        }
        return deliveries
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("ingest-load --feed: \(message)\n".utf8))
        exit(2)
    }

    /// `STATUS <tab> OUTCOME` with no tab or newline inside OUTCOME (an error code is the server's text).
    static func oneField(_ answer: String) -> String {
        guard let tab = answer.firstIndex(of: "\t") else { return answer }
        let outcome = answer[answer.index(after: tab)...].map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }
        return String(answer[...tab]) + String(outcome)
    }

    /// Posts one delivery; `STATUS <tab> OUTCOME`.
    func send(_ delivery: Delivery) async -> String {
        var request = PlainHTTPRequest(method: .POST, url: delivery.url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "x-functions-key", value: delivery.key)
        request.body = ByteBuffer(bytes: delivery.body)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            return "\(response.status.code)\t\(Self.outcome(status: Int(response.status.code), body: Array(buffer: body)))"
        } catch {
            return "0\tno_answer:\(String(describing: type(of: error)))"
        }
    }

    /// What ingest said: the `status` of a 2xx answer, else the `error.code` of the error body.
    static func outcome(status: Int, body: [UInt8]) -> String {
        guard let answer = try? JSONDecoder().decode(IngestAnswer.self, from: Data(body)) else { return "non_json_body" }
        if (200..<300).contains(status) { return answer.status ?? "no_status" }
        guard let code = answer.error?.code, !code.isEmpty else { return "no_error_code" }
        return code
    }

    /// The fields of ingest's answer the suite's ledger keeps (`{"status":…}` or `{"error":{"code":…}}`).
    struct IngestAnswer: Decodable {
        var status: String?
        var error: ErrorBody?

        struct ErrorBody: Decodable {
            var code: String?
        }
    }
}
