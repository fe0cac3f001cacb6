-- Reads one job's record. The record says waiting until the job ends;
-- whether a worker holds it right now is the group's pending list's to say.
-- KEYS[1] record, KEYS[2] stream
-- ARGV[1] group
-- Returns {record JSON, the delivery count of its entry if a worker holds
-- the job else 0} or nil.
local raw = redis.call('GET', KEYS[1])
if not raw then
  return false
end
local rec = cjson.decode(raw)
local held = 0
if rec.state == 'waiting' and type(rec.sid) == 'string' then
  local p = redis.pcall('XPENDING', KEYS[2], ARGV[1], rec.sid, rec.sid, 1)
  if type(p) == 'table' and p[1] then
    held = p[1][4]
  end
end
return {raw, held}
