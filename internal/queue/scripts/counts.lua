-- The queue's gauges in one round trip, without scanning anything.
-- KEYS[1] stream, KEYS[2] delayed, KEYS[3] failed, KEYS[4] workers, KEYS[5] paused,
-- KEYS[6] failed jobs dropped
-- ARGV[1] group
-- Returns {waiting, active, delayed, failed, live workers,
-- id of the oldest waiting entry or '', server time (ms), paused (0/1),
-- failed jobs dropped (0 when the counter is missing)}.
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local waiting, active, oldest = 0, 0, ''
if redis.call('EXISTS', KEYS[1]) == 1 then
  local len = redis.call('XLEN', KEYS[1])
  local after = '-'
  waiting = len
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    if field(g, 'name') == ARGV[1] then
      active = field(g, 'pending')
      -- lag is nil when Redis cannot compute it (deletions just past the
      -- group's position); acknowledged entries are deleted, so the stream
      -- holds exactly the waiting and the pending ones.
      local lag = field(g, 'lag')
      if lag then waiting = lag else waiting = len - active end
      after = '(' .. field(g, 'last-delivered-id')
    end
  end
  local first = redis.call('XRANGE', KEYS[1], after, '+', 'COUNT', 1)
  if first[1] then oldest = first[1][1] end
end
return {waiting, active,
  redis.call('ZCARD', KEYS[2]),
  redis.call('ZCARD', KEYS[3]),
  redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf'),
  oldest, now, redis.call('EXISTS', KEYS[5]),
  tonumber(redis.call('GET', KEYS[6]) or '0')}
