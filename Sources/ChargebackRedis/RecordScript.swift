import RedisClient

/// The one atomic write per event, in the billed subscription's slot: the dedupe marker, the hourly
/// counters, the day's dirty mark and the deployment cap together, or nothing.
enum RecordScript {
    /// KEYS[1] dedupe marker, KEYS[2] hourly counters, KEYS[3] dirty days, KEYS[4] the day's
    /// unlisted deployments; for the call that created a result counted once per object (KEYS[1] is
    /// `resp:`/`batch:`), KEYS[5] the marker of the call's own request id, set too (counted or duplicate), so an
    /// estimate of the same call under its request id (the relay's write-ahead, adopted after a
    /// crash) is a duplicate rather than a second charge.
    /// ARGV[1] marker TTL, ARGV[2] retention TTL, ARGV[3] `1` to renew the marker's TTL on a
    /// duplicate, ARGV[4] the day, ARGV[5] the deployment (escaped), ARGV[6] `1` when it is in the
    /// price book, ARGV[7] the cap on unlisted deployments, ARGV[8] the counter ceiling, then
    /// meter/amount pairs.
    ///
    /// Returns 1 counted, 2 counted under `(unlisted)` (the cap was reached), 0 duplicate (no counter
    /// written), -1 refused: a counter would pass the ceiling (nothing written).
    ///
    /// A duplicate still writes: it sets the marker's TTL to what it has left. Under
    /// `CHARGEBACK_DURABILITY` the `WAIT` after it then covers the first write of the event too: an
    /// event spooled because its write was not confirmed, and found a duplicate on replay, leaves the
    /// spool only once a replica has it. (Redis 7.0 moves a connection's write offset after every
    /// command, writes or not; the write keeps this true where only writes move it.)
    ///
    /// Nothing is left half-written: a script that stops with an error keeps what it wrote, so the
    /// increments go through `pcall` and, when one fails (a counter already near Int64's limit) or
    /// passes the ceiling, every increment made is taken back (fields it created are deleted) and
    /// the marker removed before -1 is answered. A script runs alone, so no reader ever sees the
    /// increments taken back. Reading every counter before incrementing would double the hash
    /// commands of every event; taking back costs nothing unless an event is refused.
    ///
    /// TTLs are set when something is created, not by every event: the hourly hash when one of its
    /// fields is (an increment that returns its own amount), the dirty hash when the day's mark is
    /// (the rollup deletes it once seen), the deployments set when a deployment joins it. Counters
    /// then expire the retention after their hour's first event rather than its last one (a late
    /// envelope no longer extends an old hour's life), and each event costs two `EXPIRE`s less.
    static let script = RedisScript(source)

    static let source = """
    if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
      if KEYS[5] then redis.call('SET', KEYS[5], '1', 'EX', ARGV[1]) end
      if ARGV[3] == '1' then
        redis.call('EXPIRE', KEYS[1], ARGV[1])
      else
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
      end
      return 0
    end
    local deployment = ARGV[5]
    local capped = false
    local isNew = false
    if ARGV[6] ~= '1' and redis.call('SISMEMBER', KEYS[4], deployment) == 0 then
      if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[7]) then
        deployment = '\(LedgerKeys.unlistedDeployment)'
        capped = true
      else
        isNew = true
      end
    end
    local ceiling = tonumber(ARGV[8])
    local done = 0
    local over = false
    local fieldIsNew = false
    for i = 9, #ARGV, 2 do
      local total = redis.pcall('HINCRBY', KEYS[2], deployment .. '|' .. ARGV[i], ARGV[i + 1])
      if type(total) ~= 'number' then over = true break end
      done = i
      if total > ceiling then over = true break end
      if total == tonumber(ARGV[i + 1]) then fieldIsNew = true end
    end
    if over then
      for i = 9, done, 2 do
        local field = deployment .. '|' .. ARGV[i]
        if redis.call('HINCRBY', KEYS[2], field, '-' .. ARGV[i + 1]) == 0 then redis.call('HDEL', KEYS[2], field) end
      end
      redis.call('DEL', KEYS[1])
      return -1
    end
    if fieldIsNew then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
    if isNew then
      redis.call('SADD', KEYS[4], deployment)
      redis.call('EXPIRE', KEYS[4], ARGV[2])
    end
    if redis.call('HINCRBY', KEYS[3], ARGV[4], 1) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[2]) end
    if KEYS[5] then redis.call('SET', KEYS[5], '1', 'EX', ARGV[1]) end
    if capped then return 2 end
    return 1
    """

    /// What the script answered.
    enum Reply: Int64 {
        case duplicate = 0
        case counted = 1
        case countedAsUnlisted = 2
        case overflow = -1
    }
}
