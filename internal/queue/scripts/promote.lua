-- Moves retries whose backoff has passed from the delayed set to the stream.
-- KEYS[1] delayed, KEYS[2] stream, KEYS[3] failed
-- ARGV[1] key base, ARGV[2] most members to move
-- A member is "<id> <attempt> <job JSON>". Returns how many were moved.
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local id, a, j = string.match(m, '^(%S+) (%d+) (.*)$')
  if id then
    local sid = redis.call('XADD', KEYS[2], '*', 'i', id, 'a', a, 'j', j)
    local key = ARGV[1] .. 'job:' .. id
    local raw = redis.call('GET', key)
    local rec = raw and cjson.decode(raw) or {attempts = tonumber(a) - 1}
    rec.state, rec.sid = 'waiting', sid
    redis.call('SET', key, cjson.encode(rec))
  else
    -- Not ours to understand, but never dropped: park it where people look.
    redis.call('ZADD', KEYS[3], now, m)
  end
end
if #due > 0 then
  redis.call('ZREM', KEYS[1], unpack(due))
end
return #due
