/// The one atomic write per event: the dedupe marker and the hourly counters together, or nothing.
enum RecordScript {
    /// KEYS[1] dedupe marker, KEYS[2] hourly counters; ARGV[1] dedupe TTL, ARGV[2] counter TTL,
    /// then field/amount pairs. Returns 1 when counted, 0 when the marker already existed.
    static let source = """
    if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
    for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
    redis.call('EXPIRE', KEYS[2], ARGV[2])
    return 1
    """
}
