-- Cancels a job no worker has taken: a waiting one whose stream entry lies
-- past the group's last delivery (the entry is deleted), or a delayed one
-- (its member leaves the delayed set). Its record says canceled, names the
-- operator, and expires after RecordTTL.
-- KEYS[1] stream, KEYS[2] delayed
-- ARGV[1] key base, ARGV[2] group, ARGV[3] job id, ARGV[4] operator JSON,
-- ARGV[5] record TTL (ms)
-- Returns {'ok'}, {'missing'} or {'state', state}.
local stream, delayed = KEYS[1], KEYS[2]
local base, group, id = ARGV[1], ARGV[2], ARGV[3]
local key = base .. 'job:' .. id
local raw = redis.call('GET', key)
if not raw then return {'missing'} end
local rec = cjson.decode(raw)
if rec.state == 'waiting' then
  local delivered = lastDelivered(stream, group)
  if type(rec.sid) ~= 'string' or (delivered and not later(rec.sid, delivered)) then
    -- Delivered: a worker holds it (or its entry is gone, which a worker
    -- settling it would explain).
    return {'state', 'active'}
  end
  redis.call('XDEL', stream, rec.sid)
elseif rec.state == 'delayed' then
  -- Its member starts with its id; its score is in the record.
  local found = nil
  if type(rec.due) == 'number' then
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', delayed, rec.due, rec.due)) do
      if string.sub(m, 1, #id + 1) == id .. ' ' then found = m end
    end
  end
  if not found then
    -- Delayed by an older version, without a score in its record.
    local cursor = '0'
    repeat
      local r = redis.call('ZSCAN', delayed, cursor, 'MATCH', id .. ' *', 'COUNT', 1000)
      cursor = r[1]
      for i = 1, #r[2], 2 do found = r[2][i] end
    until cursor == '0' or found
  end
  if found then redis.call('ZREM', delayed, found) end
else
  return {'state', rec.state}
end
local t = redis.call('TIME')
rec.state, rec.sid, rec.due = 'canceled', nil, nil
rec.operator = cjson.decode(ARGV[4])
rec.finished = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('SET', key, cjson.encode(rec), 'PX', ARGV[5])
return {'ok'}
