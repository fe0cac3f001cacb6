-- Completes a batch of deliveries. Each one its consumer still holds gets
-- its record (and schedule result) written; then all of those are
-- acknowledged and deleted at once. A delivery its consumer no longer
-- holds (the lease went to another worker, or it was parked) is left
-- alone: whoever holds it now settles it.
-- KEYS[1] stream; then for completion i, KEYS[2i] its record and
-- KEYS[2i+1] its schedule's results list (its record again when it has none)
-- ARGV[1] group, ARGV[2] record TTL (ms), ARGV[3] most results per schedule,
-- ARGV[4] number of consumers C; then three for each consumer: name, and
-- the lowest and highest of its entry ids in the batch; then four for each
-- completion: its consumer's number (1..C), stream entry id, record JSON,
-- schedule entry JSON or ''.
-- Returns one integer per completion: 1 completed, 0 lease lost.
local stream, group, ttl = KEYS[1], ARGV[1], ARGV[2]
local per, nc = tonumber(ARGV[3]), tonumber(ARGV[4])

-- What each consumer holds in the span of its entries: one XPENDING per
-- consumer, not one per delivery.
local held = {}
for c = 1, nc do
  local o = 4 + (c - 1) * 3
  local h = {}
  for _, p in ipairs(redis.call('XPENDING', stream, group, ARGV[o + 2], ARGV[o + 3], 1000000, ARGV[o + 1])) do
    h[p[1]] = true
  end
  held[c] = h
end

local base = 4 + nc * 3
local done, sids, lists = {}, {}, {}
for i = 1, (#ARGV - base) / 4 do
  local o = base + (i - 1) * 4
  local h, sid, entry = held[tonumber(ARGV[o + 1])], ARGV[o + 2], ARGV[o + 4]
  if h[sid] then
    h[sid] = nil -- the same delivery twice in a batch completes once
    redis.call('SET', KEYS[2 * i], ARGV[o + 3], 'PX', ttl)
    if entry ~= '' then
      redis.call('LPUSH', KEYS[2 * i + 1], entry)
      lists[KEYS[2 * i + 1]] = true
    end
    sids[#sids + 1] = sid
    done[i] = 1
  else
    done[i] = 0
  end
end
-- Trimmed once per schedule, however many of its jobs the batch holds.
for list in pairs(lists) do
  redis.call('LTRIM', list, 0, per - 1)
  redis.call('PEXPIRE', list, ttl)
end
if #sids > 0 then
  redis.call('XACK', stream, group, unpack(sids))
  redis.call('XDEL', stream, unpack(sids))
end
return done
