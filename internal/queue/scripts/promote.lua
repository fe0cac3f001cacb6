-- Moves retries whose backoff has passed from the delayed set to the stream.
-- KEYS[1] delayed, KEYS[2] stream, KEYS[3] failed
-- ARGV[1] key base, ARGV[2] most members to move
-- A member is "<id> <attempt> <job JSON>". The entry also carries, from
-- the record, where the job's budget starts (b) and the operator retry
-- that set it (o), when an operator retried the job. Returns how many
-- were moved.
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local id, a, j = string.match(m, '^(%S+) (%d+) (.*)$')
  if id then
    local key = ARGV[1] .. 'job:' .. id
    local raw = redis.call('GET', key)
    local rec = raw and cjson.decode(raw) or {attempts = tonumber(a) - 1}
    local f = {'i', id, 'a', a, 'j', j}
    if type(rec.base) == 'number' and rec.base > 0 then
      f[#f + 1], f[#f + 2] = 'b', tostring(rec.base)
    end
    if type(rec.operator) == 'table' then
      f[#f + 1], f[#f + 2] = 'o', cjson.encode(rec.operator)
    end
    local sid = redis.call('XADD', KEYS[2], '*', unpack(f))
    rec.state, rec.sid, rec.due = 'waiting', sid, nil
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
