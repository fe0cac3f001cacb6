-- Gives deliveries back without counting an attempt: each goes to the end
-- of the stream as a new entry, readable at once. The runs of workers that
-- died holding the entry before this consumer reclaimed it still count.
-- Deliveries the consumer no longer holds are left alone.
-- KEYS[1] stream
-- ARGV[1] key base, ARGV[2] group, then pairs of consumer, stream entry id.
-- Returns how many were given back.
local stream, base, group = KEYS[1], ARGV[1], ARGV[2]
local n = 0
for i = 3, #ARGV, 2 do
  local consumer, sid = ARGV[i], ARGV[i + 1]
  local p = redis.call('XPENDING', stream, group, sid, sid, 1)
  if p[1] and p[1][2] == consumer then
    local e = redis.call('XRANGE', stream, sid, sid)
    if e[1] then
      local f = e[1][2]
      for j = 1, #f, 2 do
        if f[j] == 'a' then f[j + 1] = tostring(tonumber(f[j + 1]) + p[1][4] - 1) end
      end
      local nsid = redis.call('XADD', stream, '*', unpack(f))
      for j = 1, #f, 2 do
        if f[j] == 'i' then
          local key = base .. 'job:' .. f[j + 1]
          local raw = redis.call('GET', key)
          local rec = raw and cjson.decode(raw) or {attempts = 0}
          rec.state, rec.sid = 'waiting', nsid
          redis.call('SET', key, cjson.encode(rec))
        end
      end
    end
    redis.call('XACK', stream, group, sid)
    redis.call('XDEL', stream, sid)
    n = n + 1
  end
end
return n
