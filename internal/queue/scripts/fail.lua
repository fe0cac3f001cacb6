-- Ends one attempt of a job that failed: into the delayed set for a retry,
-- or into the failed set for good. Does nothing if the consumer no longer
-- holds the delivery (another worker runs it now).
-- KEYS[1] stream, KEYS[2] delayed, KEYS[3] failed, KEYS[4] record,
-- KEYS[5] schedule results list (only used when ARGV[12] is not '')
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] stream entry id, ARGV[4] job id,
-- ARGV[5] 'delayed' or 'failed', ARGV[6] delay (ms), ARGV[7] delayed member,
-- ARGV[8] attempts, ARGV[9] error type, ARGV[10] error message,
-- ARGV[11] record TTL (ms), ARGV[12] schedule entry JSON or '',
-- ARGV[13] most results per schedule.
-- Returns the new state, or 'lost'.
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then
  return 'lost'
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', KEYS[4], 'state', ARGV[5], 'attempts', ARGV[8], 'etype', ARGV[9], 'emsg', ARGV[10])
if ARGV[5] == 'delayed' then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[7])
else
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[11])
  if ARGV[12] ~= '' then
    redis.call('LPUSH', KEYS[5], ARGV[12])
    redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[13]) - 1)
  end
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return ARGV[5]
