import Foundation

/// One APIM subscription as the twin knows it. The key is a local demo key (the twin plays APIM,
/// which holds keys); it is never sent on, logged or put in an envelope.
public struct TwinSubscription: Sendable, Decodable, Equatable {
    public var key: String
    public var id: String
    public var name: String?
    public var productId: String?

    public init(key: String, id: String, name: String? = nil, productId: String? = nil) {
        self.key = key
        self.id = id
        self.name = name
        self.productId = productId
    }
}

/// The twin's subscriptions: key → subscription (`config/local-subscriptions.json`).
public struct SubscriptionDirectory: Sendable {
    public let all: [TwinSubscription]
    private let byKey: [String: TwinSubscription]

    /// Refuses an empty key, a key given twice and a subscription id given twice.
    public init(_ subscriptions: [TwinSubscription]) throws {
        var byKey: [String: TwinSubscription] = [:]
        var ids = Set<String>()
        for subscription in subscriptions {
            guard !subscription.key.isEmpty, !subscription.id.isEmpty else { throw DirectoryError("a subscription has an empty key or id") }
            guard byKey.updateValue(subscription, forKey: subscription.key) == nil else { throw DirectoryError("a key is given twice") }
            guard ids.insert(subscription.id).inserted else { throw DirectoryError("subscription \(subscription.id) is given twice") }
        }
        self.all = subscriptions
        self.byKey = byKey
    }

    /// Reads `{"subscriptions": [{"key", "id", "name", "productId"}]}`.
    public static func load(path: String) throws -> SubscriptionDirectory {
        struct File: Decodable { var subscriptions: [TwinSubscription] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DirectoryError("cannot read \(path)")
        }
        do {
            return try SubscriptionDirectory(JSONDecoder().decode(File.self, from: data).subscriptions)
        } catch let error as DirectoryError {
            throw DirectoryError("\(path): \(error.description)")
        } catch {
            throw DirectoryError("\(path): not a subscriptions file ({\"subscriptions\": [{\"key\", \"id\"}]})")
        }
    }

    public func subscription(forKey key: String) -> TwinSubscription? { byKey[key] }
}

/// Why a subscriptions file was refused.
public struct DirectoryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
