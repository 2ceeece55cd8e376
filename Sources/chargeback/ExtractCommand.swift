import ArgumentParser
import ChargebackCore
import FoundationEssentials
import Glibc

/// `chargeback extract [FILE|-]`: what would be billed for this payload? Prints the usage event.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Read one payload-contract-v1 envelope and print its usage event as JSON.",
        discussion: "Exit status: 0 with the event on stdout; 2 with '<reason_code>: <message>' on stderr when the envelope is refused; 1 when the file cannot be read.")

    @Argument(help: "The envelope file, or - for standard input.")
    var file: String = "-"

    @Option(help: "The largest envelope accepted, in bytes.")
    var maxBytes: Int = 16 * 1024 * 1024

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try read()
        } catch {
            ChargebackCommand.fail("chargeback extract: cannot read \(file): \(error)")
        }
        guard bytes.count <= maxBytes else {
            ChargebackCommand.fail("envelope_too_large: the envelope has \(bytes.count) bytes; the limit is \(maxBytes) (--max-bytes)", exitCode: 2)
        }
        do {
            let event = try UsageExtractor().extract(bytes)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(event)
            print(String(decoding: data, as: UTF8.self))
        } catch let error as ExtractionError {
            ChargebackCommand.fail("\(error.code): \(error.description)", exitCode: 2)
        }
    }

    func read() throws -> [UInt8] {
        if file == "-" {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk[..<count]
                guard bytes.count <= maxBytes else { break }
            }
            return bytes
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw Unreadable(reason: "no such readable file") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
    }
}

/// A file that cannot be read.
struct Unreadable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
