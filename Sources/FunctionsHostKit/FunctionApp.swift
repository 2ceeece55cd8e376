import Foundation
import FunctionsProtocol

/// A function app read from disk: host.json, every `<name>/function.json`, and `local.settings.json`.
public struct FunctionApp: Sendable {
    /// The app root (where host.json is).
    public var root: String
    /// host.json.
    public var host: HostConfiguration
    /// The functions, sorted by name.
    public var functions: [FunctionMetadata]
    /// `local.settings.json` `Values` (empty when the file is absent).
    public var settings: [String: String]

    /// Why an app could not be loaded.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Loads the app at `root`. Function folders are looked for under `functions/` (the repository's
    /// layout) when it exists, otherwise directly under the root (the deployed package's layout).
    public static func load(root: String) throws(LoadError) -> FunctionApp {
        let manager = FileManager.default
        let hostPath = root + "/host.json"
        guard let hostData = manager.contents(atPath: hostPath) else {
            throw LoadError(description: "\(hostPath): not found (is --app-root the folder that holds host.json?)")
        }
        let host: HostConfiguration
        do { host = try HostConfiguration.parse(Array(hostData)) } catch {
            throw LoadError(description: "\(hostPath): \(error)")
        }
        var isDirectory: ObjCBool = false
        let functionsRoot = manager.fileExists(atPath: root + "/functions", isDirectory: &isDirectory) && isDirectory.boolValue
            ? root + "/functions" : root
        let folders = ((try? manager.contentsOfDirectory(atPath: functionsRoot)) ?? []).sorted()
        var functions: [FunctionMetadata] = []
        for folder in folders {
            let path = functionsRoot + "/" + folder + "/function.json"
            guard let data = manager.contents(atPath: path) else { continue }
            do { functions.append(try FunctionMetadata.parse(name: folder, json: Array(data))) } catch {
                throw LoadError(description: "\(path): \(error)")
            }
        }
        guard !functions.isEmpty else { throw LoadError(description: "\(functionsRoot): no <name>/function.json found") }
        try checkRoutes(functions, prefix: host.routePrefix)
        return FunctionApp(root: root, host: host, functions: functions, settings: try settings(at: root + "/local.settings.json"))
    }

    static func checkRoutes(_ functions: [FunctionMetadata], prefix: String) throws(LoadError) {
        var seen: [String: String] = [:]
        for function in functions {
            guard case let .http(trigger) = function.trigger else { continue }
            for method in trigger.methods ?? ["*"] {
                let key = method + " " + trigger.route.lowercased()
                if let other = seen[key] {
                    throw LoadError(description: "functions '\(other)' and '\(function.name)' both serve \(method) /\(prefix)/\(trigger.route)")
                }
                seen[key] = function.name
            }
        }
    }

    static func settings(at path: String) throws(LoadError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let document: JSONValue
        do { document = try JSONValue.parse(Array(data)) } catch { throw LoadError(description: "\(path): \(error)") }
        guard let values = document.member(caseInsensitive: "Values") else { return [:] }
        guard let members = values.objectMembers else { throw LoadError(description: "\(path): Values must be an object") }
        var result: [String: String] = [:]
        for (key, value) in members {
            guard let text = value.dotNetScalarText else {
                throw LoadError(description: "\(path): Values.\(key) must be a string, number or boolean")
            }
            result[key] = text
        }
        return result
    }

    /// The function named `name` (case-insensitive, as the host's admin API).
    public func function(named name: String) -> FunctionMetadata? {
        functions.first { $0.name.lowercased() == name.lowercased() }
    }
}
