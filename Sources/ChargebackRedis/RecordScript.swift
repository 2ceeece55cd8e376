/// The one atomic write per event, in the billed subscription's slot: the dedupe marker, the hourly
/// counters, the day's dirty mark and the deployment cap together, or nothing.
enum RecordScript {
    /// KEYS[1] dedupe marker, KEYS[2] hourly counters, KEYS[3] dirty days, KEYS[4] the day's
    /// unlisted deployments.
    /// ARGV[1] marker TTL, ARGV[2] retention TTL, ARGV[3] `1` to renew the marker's TTL on a
    /// duplicate, ARGV[4] the day, ARGV[5] the deployment (escaped), ARGV[6] `1` when it is in the
    /// price book, ARGV[7] the cap on unlisted deployments, ARGV[8] the counter ceiling, then
    /// meter/amount pairs.
    ///
    /// Returns 1 counted, 2 counted under `(unlisted)` (the cap was reached), 0 duplicate (nothing
    /// written), -1 refused: a counter would pass the ceiling (nothing written). Every check comes
    /// before the first write: a script that fails half-way keeps what it wrote.
    static let source = """
    if redis.call('EXISTS', KEYS[1]) == 1 then
      if ARGV[3] == '1' then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
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
    for i = 9, #ARGV, 2 do
      local amount = tonumber(ARGV[i + 1])
      local current = tonumber(redis.call('HGET', KEYS[2], deployment .. '|' .. ARGV[i]) or '0')
      if amount == nil or current == nil or amount < 0 or amount > ceiling or current + amount > ceiling then return -1 end
    end
    redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
    if isNew then
      redis.call('SADD', KEYS[4], deployment)
      redis.call('EXPIRE', KEYS[4], ARGV[2])
    end
    for i = 9, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], deployment .. '|' .. ARGV[i], ARGV[i + 1]) end
    redis.call('EXPIRE', KEYS[2], ARGV[2])
    redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
    redis.call('EXPIRE', KEYS[3], ARGV[2])
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
