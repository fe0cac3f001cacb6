-- Reads one job's record. The record says waiting until the job ends;
-- whether a worker holds it right now is the group's pending list's to say.
-- KEYS[1] record, KEYS[2] stream
-- ARGV[1] group
-- Returns {state, attempts, result JSON, error type, error message} or nil.
local r = redis.call('HMGET', KEYS[1], 'state', 'attempts', 'result', 'etype', 'emsg', 'sid')
if not r[1] then
  return false
end
local state = r[1]
if state == 'waiting' and r[6] then
  local p = redis.pcall('XPENDING', KEYS[2], ARGV[1], r[6], r[6], 1)
  if type(p) == 'table' and p[1] then
    state = 'active'
  end
end
return {state, r[2] or '0', r[3] or '', r[4] or '', r[5] or ''}
