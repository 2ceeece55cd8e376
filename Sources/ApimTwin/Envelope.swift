import ChargebackCore
import JSONOutput

/// What the outbound and on-error sections know when they post (`policies/outbound-policy.xml`,
/// `policies/on-error-policy.xml`).
public struct CallRecord: Sendable {
    public var requestId: String
    /// `context.Timestamp` as the policy formats it: `yyyy-MM-ddTHH:mm:ss.fffffffZ`.
    public var timestamp: String
    public var elapsedMilliseconds: Double
    public var subscription: TwinSubscription
    public var apiId = "azure-openai"
    public var operationId: String?
    public var method: String
    public var path: String
    public var apiVersion: String
    public var deployment: String
    public var gatewayRegion = "Local"
    public var isStream: Bool
    public var requestText: String?
    public var requestLength: Int

    public init(requestId: String, timestamp: String, elapsedMilliseconds: Double, subscription: TwinSubscription, operationId: String?,
                method: String, path: String, apiVersion: String, deployment: String, isStream: Bool, requestText: String?, requestLength: Int) {
        self.requestId = requestId
        self.timestamp = timestamp
        self.elapsedMilliseconds = elapsedMilliseconds
        self.subscription = subscription
        self.operationId = operationId
        self.method = method
        self.path = path
        self.apiVersion = apiVersion
        self.deployment = deployment
        self.isStream = isStream
        self.requestText = requestText
        self.requestLength = requestLength
    }
}

/// The backend's answer as outbound sees it: the body only when the policy reads it.
public struct BackendAnswer: Sendable {
    public var statusCode: Int
    public var contentType: String
    public var backendRegion: String
    /// The whole body when it was read (buffered mode or not a stream), else nil.
    public var body: [UInt8]?
    /// Its length in bytes; when not read, the `Content-Length` if any, else -1.
    public var length: Int

    public init(statusCode: Int, contentType: String, backendRegion: String, body: [UInt8]?, length: Int) {
        self.statusCode = statusCode
        self.contentType = contentType
        self.backendRegion = backendRegion
        self.body = body
        self.length = length
    }
}

/// Payload contract v1 envelopes, field for field as the policies build them.
public enum Envelope {
    /// The outbound envelope's fields, in the policy's order (a test compares them with the XML).
    public static let outboundFields = [
        "schemaVersion", "source", "requestId", "timestamp", "elapsedMs", "subscriptionId", "subscriptionName", "productId", "userId",
        "apiId", "operationId", "method", "path", "apiVersion", "deployment", "gatewayRegion", "backendRegion", "statusCode", "isStream",
        "responseContentType", "requestBody", "requestBodyLength", "responseBody", "responseBodyLength", "responseBodyTail",
    ]

    /// How much of a response over the limit is still sent (`responseBodyTail`), in UTF-16 code units
    /// as C# counts a string's characters.
    public static let tailCharacters = 65_536

    /// The outbound envelope; bodies over `maxBodyBytes` are sent as null with their length, and a
    /// read response over it also as its last `tailCharacters` characters (`responseBodyTail`).
    public static func outbound(_ call: CallRecord, _ answer: BackendAnswer, maxBodyBytes: Int) -> [UInt8] {
        var writer = JSONWriter(capacity: 512 + (call.requestText?.utf8.count ?? 0) + (answer.body?.count ?? 0) * 11 / 10)
        writer.openObject()
        common(&writer, call, source: "outbound")
        writer.member("backendRegion", answer.backendRegion)
        writer.member("statusCode", answer.statusCode)
        writer.member("isStream", call.isStream)
        writer.member("responseContentType", answer.contentType)
        request(&writer, call, maxBodyBytes: maxBodyBytes)
        writer.key("responseBody")
        if let body = answer.body, answer.length <= maxBodyBytes { writer.string(String(decoding: body, as: UTF8.self)) } else { writer.null() }
        writer.member("responseBodyLength", answer.length)
        writer.key("responseBodyTail")
        if let body = answer.body, answer.length > maxBodyBytes { writer.string(tail(of: String(decoding: body, as: UTF8.self))) } else { writer.null() }
        writer.closeObject()
        return writer.bytes
    }

    /// The on-error envelope: the call failed in the gateway (`reason` as `context.LastError.Reason`).
    public static func onError(_ call: CallRecord, statusCode: Int, errorSource: String, reason: String, maxBodyBytes: Int) -> [UInt8] {
        var writer = JSONWriter(capacity: 512 + (call.requestText?.utf8.count ?? 0))
        writer.openObject()
        common(&writer, call, source: "on-error")
        writer.member("statusCode", statusCode)
        writer.member("isStream", call.isStream)
        request(&writer, call, maxBodyBytes: maxBodyBytes)
        writer.key("responseBody")
        writer.null()
        writer.member("responseBodyLength", -1)
        writer.key("lastError")
        writer.openObject()
        writer.member("source", errorSource)
        writer.member("reason", reason)
        writer.closeObject()
        writer.closeObject()
        return writer.bytes
    }

    static func common(_ writer: inout JSONWriter, _ call: CallRecord, source: String) {
        writer.member("schemaVersion", 1)
        writer.member("source", source)
        writer.member("requestId", call.requestId)
        writer.member("timestamp", call.timestamp)
        writer.key("elapsedMs")
        writer.numberText(milliseconds(call.elapsedMilliseconds))
        writer.member("subscriptionId", call.subscription.id)
        writer.member("subscriptionName", call.subscription.name)
        writer.member("productId", call.subscription.productId)
        writer.member("userId", "1")
        writer.member("apiId", call.apiId)
        writer.member("operationId", call.operationId)
        writer.member("method", call.method)
        writer.member("path", call.path)
        writer.member("apiVersion", call.apiVersion)
        writer.member("deployment", call.deployment)
        writer.member("gatewayRegion", call.gatewayRegion)
    }

    static func request(_ writer: inout JSONWriter, _ call: CallRecord, maxBodyBytes: Int) {
        writer.key("requestBody")
        if let text = call.requestText, !text.isEmpty, call.requestLength >= 0, call.requestLength <= maxBodyBytes {
            writer.string(text)
        } else {
            writer.null()
        }
        writer.member("requestBodyLength", call.requestLength)
    }

    /// `Math.Round(ms, 3)` written as JSON: at most three decimals, no exponent.
    static func milliseconds(_ value: Double) -> String {
        let thousandths = Int64((max(0, value) * 1000).rounded())
        let fraction = thousandths % 1000
        return fraction == 0 ? "\(thousandths / 1000)" : "\(thousandths / 1000).\(String(String(fraction + 1000).dropFirst()))"
    }

    /// The last `tailCharacters` UTF-16 code units of `text`, not starting inside a surrogate pair
    /// (the policy's `response.Substring(start)`, `char.IsLowSurrogate`).
    static func tail(of text: String) -> String {
        let units = Array(text.utf16)
        var start = max(0, units.count - tailCharacters)
        if start > 0, UTF16.isTrailSurrogate(units[start]) { start += 1 }
        return String(decoding: units[start...], as: UTF16.self)
    }

    /// The operation id Terraform gives the matched operation (`infrastructure/apim-operations.tf`),
    /// or nil when none matches (APIM's 404).
    public static func operationId(method: String, path: String) -> String? {
        ApiOperations.match(method: method, path: path)?.id
    }
}
