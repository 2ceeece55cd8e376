import Foundation
import FunctionsProtocol

/// The command line the host starts the handler with, resolved as the real host does
/// (`HttpWorkerDescription`, `DefaultWorkerProcessFactory`).
public struct HandlerCommand: Sendable, Equatable {
    /// Absolute path of the executable.
    public var executable: String
    /// Arguments after the executable.
    public var arguments: [String]
    /// The working directory.
    public var workingDirectory: String

    /// Why the executable could not be found.
    public struct ResolveError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Resolves host.json's `defaultExecutablePath` and `arguments` for a start on `port`.
    /// A relative path names a file under the app root if one is there; otherwise it is looked up on `PATH`.
    public static func resolve(
        _ host: HostConfiguration, appRoot: String, environment: [String: String], port: Int, workerID: String
    ) throws(ResolveError) -> HandlerCommand {
        let expanded = expand(host.defaultExecutablePath, environment: environment)
        let manager = FileManager.default
        var executable = expanded
        if !expanded.hasPrefix("/") {
            let underRoot = appRoot + "/" + expanded
            if manager.fileExists(atPath: underRoot) {
                executable = underRoot
            } else if let found = searchPath(expanded, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") {
                executable = found
            } else {
                throw ResolveError(description: "defaultExecutablePath '\(expanded)': not under \(appRoot) and not on PATH")
            }
        }
        guard manager.isExecutableFile(atPath: executable) else {
            throw ResolveError(description: "defaultExecutablePath '\(executable)' is not an executable file (build it, or check its mode)")
        }
        let substitutions = [
            "FUNCTIONS_CUSTOMHANDLER_PORT": String(port), "FUNCTIONS_HTTPWORKER_PORT": String(port),
            "FUNCTIONS_CUSTOMHANDLER_WORKER_ID": workerID, "FUNCTIONS_HTTPWORKER_ID": workerID, "FUNCTIONS_APP_ROOT_PATH": appRoot,
        ]
        let arguments = host.arguments.map { argument in
            removeUnresolved(expand(expand(argument, environment: environment), environment: substitutions))
        }.filter { !$0.isEmpty }
        let directory = host.workingDirectory.map { $0.hasPrefix("/") ? $0 : appRoot + "/" + $0 } ?? appRoot
        return HandlerCommand(executable: executable, arguments: arguments, workingDirectory: directory)
    }

    /// `Environment.ExpandEnvironmentVariables`: `%NAME%` becomes the value; unknown names stay.
    static func expand(_ text: String, environment: [String: String]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "%") {
            output += rest[..<open]
            let afterOpen = rest[rest.index(after: open)...]
            guard let close = afterOpen.firstIndex(of: "%") else {
                output += rest[open...]
                return output
            }
            let name = String(afterOpen[..<close])
            if let value = environment[name] {
                output += value
                rest = afterOpen[afterOpen.index(after: close)...]
            } else {
                output += "%" + name
                rest = afterOpen[close...]
            }
        }
        return output + rest
    }

    /// The real host deletes every `%…%` token still left after substitution.
    static func removeUnresolved(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "%") {
            let afterOpen = rest[rest.index(after: open)...]
            guard let close = afterOpen.firstIndex(of: "%") else { break }
            output += rest[..<open]
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return output + rest
    }

    static func searchPath(_ name: String, path: String) -> String? {
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
