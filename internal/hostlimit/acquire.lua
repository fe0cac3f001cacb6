-- Takes a place for one request to a host, or says how long to wait.
-- KEYS[1] holders (ZSET token → lease end, ms), KEYS[2] next start (ms)
-- ARGV[1] token, ARGV[2] concurrency, ARGV[3] gap (ms), ARGV[4] lease (ms)
-- Returns 0 when the place is taken; when the host is full, minus the ms
-- until the soonest lease ends (a release may come sooner); when the gap
-- has not passed, the ms until it has.
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local lease, gap = tonumber(ARGV[4]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return -math.max(tonumber(first[2]) - now, 1)
end
if gap > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if nxt > now then
    return nxt - now
  end
  redis.call('SET', KEYS[2], now + gap, 'PX', gap)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
return 0
