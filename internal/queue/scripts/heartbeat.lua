-- Records that a worker is alive until now + ttl, and forgets workers whose
-- time ran out.
-- KEYS[1] workers
-- ARGV[1] worker id, ARGV[2] ttl (ms)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return 1
