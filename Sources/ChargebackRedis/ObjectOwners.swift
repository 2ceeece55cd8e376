import ChargebackCore
import RedisClient

/// Who created each stored object (file, batch, response), and whom an object's usage is billed to.
/// Keys in `LedgerKeys` (`{o:<kind>:<id>}`: one slot per object, apart from any subscription's).
///
/// How long they are kept follows how long Azure keeps the object: "By default response data is
/// retained for 30 days" (Azure OpenAI Responses API, learn.microsoft.com/azure/ai-foundry/openai/how-to/responses
/// "Delete response"); batch jobs are not expired ("we don't expire the jobs that take longer",
/// …/how-to/batch) and files live until deleted unless uploaded with `expires_after` of 14–30 days
/// (…/how-to/batch, "Upload batch file"). Every lookup and every billing renews the TTL, so an
/// object still in use keeps its owner.
public struct ObjectOwners: Sendable {
    let redis: any RedisCommandRouter
    let responseSeconds: Int
    let objectSeconds: Int

    /// `responseMarkerDays` for responses (`CHARGEBACK_RESPONSE_MARKER_DAYS`), `objectMarkerDays` for
    /// batches and files (`CHARGEBACK_OBJECT_MARKER_DAYS`).
    public init(redis: any RedisCommandRouter, responseMarkerDays: Int = 35, objectMarkerDays: Int = 400) {
        self.redis = redis
        self.responseSeconds = responseMarkerDays * 86_400
        self.objectSeconds = objectMarkerDays * 86_400
    }

    /// How long the owner, the billing pin and the dedupe marker of an object of `kind` are kept.
    public func seconds(for kind: ObjectKind) -> Int { kind == .response ? responseSeconds : objectSeconds }

    /// Records `subscription` as the creator of `object`. The first record wins: a replay of the
    /// create call changes nothing, and no later call can take an object over.
    public func recordCreation(of object: ObjectReference, by subscription: String) async throws {
        let key = LedgerKeys.owner(of: object)
        _ = try await redis.send(["SET", key, subscription, "NX", "EX", String(seconds(for: object.kind))], key: key)
    }

    /// The creator of `object`, or nil when no create call was recorded (or it expired). Renews the
    /// record: an object still being read keeps its owner.
    public func owner(of object: ObjectReference) async throws -> String? {
        let key = LedgerKeys.owner(of: object)
        let reply = try await Self.readScript.run(on: redis, keys: [key], arguments: [String(seconds(for: object.kind))])
        if reply == .null { return nil }
        guard let owner = reply.text else { throw RedisError.unexpectedReply("the owner read answered \(reply)") }
        return owner
    }

    /// The subscription `object`'s usage is billed to: the one pinned when an earlier result was
    /// billed without a known owner, else the owner, else `caller` (pinned now, so that every later
    /// caller converges on the same subscription and finds the same dedupe marker).
    /// `isOwnerKnown` is false when the answer is not the recorded owner.
    func billingTarget(of object: ObjectReference, caller: String) async throws -> (subscription: String, isOwnerKnown: Bool) {
        let keys = [LedgerKeys.owner(of: object), LedgerKeys.billedTo(object)]
        let reply = try await Self.billingScript.run(on: redis, keys: keys, arguments: [caller, String(seconds(for: object.kind))])
        guard case let .array(parts) = reply, parts.count == 2, let subscription = parts[0].text, case let .integer(known) = parts[1] else {
            throw RedisError.unexpectedReply("the billing target answered \(reply)")
        }
        return (subscription, known == 1)
    }

    /// KEYS[1] owner; ARGV[1] TTL. The owner, renewed, or nil.
    static let readScript = RedisScript("""
    local owner = redis.call('GET', KEYS[1])
    if owner then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return owner
    """)

    /// KEYS[1] owner, KEYS[2] billing pin; ARGV[1] caller, ARGV[2] TTL. Returns {subscription, 1 if owner}.
    static let billingScript = RedisScript("""
    local owner = redis.call('GET', KEYS[1])
    local pinned = redis.call('GET', KEYS[2])
    if owner then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
    if pinned then
      redis.call('EXPIRE', KEYS[2], ARGV[2])
      if pinned == owner then return {pinned, 1} end
      return {pinned, 0}
    end
    if owner then return {owner, 1} end
    redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
    return {ARGV[1], 0}
    """)

}
