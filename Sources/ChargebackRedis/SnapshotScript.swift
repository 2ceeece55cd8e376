import RedisClient

/// The scripts of the snapshot store; every key of one call shares the month's hash tag.
enum SnapshotScript {
    /// Writes revision ARGV[2] of a day if the latest is still ARGV[1] (compare-and-set: concurrent
    /// rollups produce one revision), and applies the delta to the month aggregate in the same step.
    /// KEYS: latest, revision hash, summary, month aggregate, month days, month true-ups (its TTL is
    /// renewed with the month's, so applied true-ups live as long as the snapshots they go with).
    /// ARGV: expected, new revision, TTL seconds, summary JSON, day, brief summary JSON (for the
    /// month's day index), line count n, n field/quantity
    /// pairs, then delta field/quantity pairs. Returns the new revision, or -1 when another won.
    static let write = RedisScript("""
    local current = redis.call('GET', KEYS[1]) or '0'
    if current ~= ARGV[1] then return -1 end
    local n = tonumber(ARGV[7])
    local i = 8
    for _ = 1, n do
      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    while i <= #ARGV do
      redis.call('HINCRBY', KEYS[4], ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    if n > 0 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
    redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[3])
    redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])
    redis.call('EXPIRE', KEYS[5], ARGV[3])
    if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[3]) end
    if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('EXPIRE', KEYS[6], ARGV[3]) end
    redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
    return tonumber(ARGV[2])
    """)

    /// Sets field ARGV[1] of the true-ups hash KEYS[1] to ARGV[2] and its TTL to ARGV[3] seconds, in one step.
    static let applyTrueUps = RedisScript("""
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    return 1
    """)

    /// Deletes KEYS[1] only if it still holds ARGV[1] (releasing a lock this run owns).
    static let release = RedisScript("""
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """)

    /// A month's day index (KEYS[1]) and aggregate (KEYS[2]) at one instant.
    static let readMonth = RedisScript("""
    return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}
    """)
}
