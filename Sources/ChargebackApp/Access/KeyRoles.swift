import ChargebackCore
import Digest
import FunctionsProtocol

/// The keys this handler accepts and the role of each, by SHA-256 (hex, lower case): the keys
/// themselves are never configured here, logged or stored. The Functions host has already checked
/// that a key is valid for the function; this is the second, independent check, and it fails
/// closed: a key whose hash is in no role (a host key, the master key, anything new) is refused.
public struct KeyRoles: Sendable {
    /// Hashes of the ingest key (`CHARGEBACK_INGEST_KEY_SHA256`).
    public private(set) var ingest: Set<String>
    /// Hashes of the full-access report keys (`CHARGEBACK_REPORT_KEY_SHA256`).
    public private(set) var fullReport: Set<String>
    /// Hash → cost center, from the cost-center file's `reportKeySha256`.
    public private(set) var costCenters: [String: String]
    /// Hashes listed under more than one role; refused everywhere (a configuration error, logged at start).
    public private(set) var conflicting: Set<String> = []

    /// Roles from the configuration and the cost-center file. A hash under two roles is removed
    /// from all of them and reported in `conflicting` (the cost-center file already refuses a hash
    /// under two cost centers).
    public init(ingest: Set<String>, fullReport: Set<String>, costCenters: CostCenters?) {
        var scoped: [String: String] = [:]
        for center in costCenters?.centers.values ?? [:].values {
            for hash in center.reportKeyHashes { scoped[hash] = center.id }
        }
        let everyRole: [Set<String>] = [ingest, fullReport, Set(scoped.keys)]
        var seen: Set<String> = []
        var conflicting: Set<String> = []
        for role in everyRole {
            conflicting.formUnion(role.intersection(seen))
            seen.formUnion(role)
        }
        self.ingest = ingest.subtracting(conflicting)
        self.fullReport = fullReport.subtracting(conflicting)
        self.costCenters = scoped.filter { !conflicting.contains($0.key) }
        self.conflicting = conflicting
    }

    /// The caller's role for a function that needs `access`, or why it is refused. Decided from the
    /// request's headers and query only, before any body or data is read.
    public func caller(of request: FunctionRequest, for access: FunctionAccess) -> Result<Caller, AccessDenial> {
        if access == .anonymous { return .success(.anonymous) }
        let key: String
        switch PresentedKey.read(from: request) {
        case .none: return .failure(.missing)
        case .ambiguous: return .failure(.ambiguous)
        case let .one(value): key = value
        }
        return caller(hash: Self.hash(key), for: access)
    }

    func caller(hash: String, for access: FunctionAccess) -> Result<Caller, AccessDenial> {
        switch access {
        case .anonymous:
            return .success(.anonymous)
        case .ingest:
            return ingest.contains(hash) ? .success(.ingest) : .failure(.wrongRole)
        case .report:
            if fullReport.contains(hash) { return .success(.fullReport) }
            if let center = costCenters[hash] { return .success(.costCenter(center)) }
            return .failure(.wrongRole)
        case .fullReport:
            return fullReport.contains(hash) ? .success(.fullReport) : .failure(.wrongRole)
        case .reportOrGateway:
            if ingest.contains(hash) { return .success(.ingest) }
            return caller(hash: hash, for: .report)
        }
    }

    /// SHA-256 of a key as lower-case hex, the form every setting and file uses.
    public static func hash(_ key: String) -> String {
        SHA256Digest.hex(SHA256Digest.hash(key.utf8))
    }
}

/// Why a key was refused. The answers name the rule, never the key.
public enum AccessDenial: Error, Sendable, Equatable {
    /// No key at all (401).
    case missing
    /// More than one key value: a repeated `code` or header, header and query both given, or a comma (401).
    case ambiguous
    /// A key whose hash holds no role this function admits (403).
    case wrongRole

    /// The answer: 401 or 403 with a code and a sentence.
    public var response: FunctionResponse {
        var answer: FunctionResponse
        switch self {
        case .missing:
            answer = ErrorBody.response(status: 401, code: "missing_key", message: "this function needs a key in x-functions-key or ?code=")
        case .ambiguous:
            answer = ErrorBody.response(status: 401, code: "ambiguous_key",
                                        message: "send exactly one key: one x-functions-key header or one ?code=, not both, not repeated, no comma")
        case .wrongRole:
            answer = ErrorBody.response(status: 403, code: "forbidden", message: "this key may not call this function")
        }
        answer.headers.append(("Cache-Control", "private, no-store"))
        return answer
    }
}
