import ChildProcess
import Foundation

/// Runs a program to its end and collects its output, for tests. Uses `ChildProcess`
/// (`posix_spawn`), not `Foundation.Process`, whose `run()` crashes intermittently on Linux.
public enum Spawn {
    /// What a finished program left.
    public struct Outcome: Sendable {
        public let termination: ChildProcess.Termination
        public let standardOutput: String
        public let standardError: String

        /// The exit code, or 128 + the signal number, as a shell reports it.
        public var status: Int32 {
            switch termination {
            case let .exited(code): return code
            case let .signalled(signal): return 128 + signal
            }
        }
    }

    /// Runs `executable` with `arguments`; kills it with SIGKILL after `timeoutSeconds`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                           workingDirectory: String? = nil, timeoutSeconds: Double = 60) async throws -> Outcome {
        let output = try ChildProcess.pipe()
        let errors = try ChildProcess.pipe()
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                                     standardOutput: output.write, standardError: errors.write)
        } catch {
            [output.read, output.write, errors.read, errors.write].forEach { _ = close($0) }
            throw error
        }
        _ = close(output.write)
        _ = close(errors.write)
        // Blocking reads and the wait happen on threads of their own, never on the cooperative pool.
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let watchdog = DispatchWorkItem { child.send(SIGKILL) }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
                let group = DispatchGroup()
                let standardError = DataBox()
                group.enter()
                Thread.detachNewThread {
                    standardError.data = readAll(errors.read)
                    group.leave()
                }
                let standardOutput = readAll(output.read)
                group.wait()
                let termination = child.waitUntilExit()
                watchdog.cancel()
                continuation.resume(returning: Outcome(termination: termination, standardOutput: String(decoding: standardOutput, as: UTF8.self),
                                                       standardError: String(decoding: standardError.data, as: UTF8.self)))
            }
        }
    }

    static func readAll(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        _ = close(descriptor)
        return data
    }
}

/// Bytes one thread writes and another reads after `DispatchGroup.wait()` (the group orders them).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
