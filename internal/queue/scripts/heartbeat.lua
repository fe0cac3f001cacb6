-- Records that a worker is alive until now + ttl with what it says about
-- itself, and forgets up to 100 workers whose time ran out (more go with
-- the next heartbeats; Counts only counts live ones anyway).
-- KEYS[1] workers, KEYS[2] worker info
-- ARGV[1] worker id, ARGV[2] ttl (ms), ARGV[3] info (JSON)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
if #dead > 0 then
  redis.call('ZREM', KEYS[1], unpack(dead))
  redis.call('HDEL', KEYS[2], unpack(dead))
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
