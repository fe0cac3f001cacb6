-- Deletes one finished job: failed (it leaves the failed set and its
-- indexes), completed or canceled. A job still to run is refused.
-- KEYS[1] stream
-- ARGV[1] key base, ARGV[2] group, ARGV[3] job id
-- Returns {'ok'}, {'missing'} or {'state', state}.
local stream, base, group, id = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local key = base .. 'job:' .. id
local raw = redis.call('GET', key)
if not raw then
  -- A failed job whose record expired before a sweep dropped it.
  if unpark(base, id) == 1 then return {'ok'} end
  return {'missing'}
end
local rec = cjson.decode(raw)
if rec.state == 'failed' then
  unpark(base, id)
elseif rec.state ~= 'completed' and rec.state ~= 'canceled' then
  return {'state', shownState(stream, group, rec)}
end
redis.call('DEL', key)
return {'ok'}
