-- Completes deliveries whose lease may have run out (see Complete): each
-- one its consumer still holds gets its record (and schedule result)
-- written; then all of those are acknowledged and deleted at once. A
-- delivery its consumer no longer holds (the lease went to another worker,
-- or it was parked) is left alone: whoever holds it now settles it.
-- KEYS[1] stream; then for completion i, KEYS[2i] its record and
-- KEYS[2i+1] its schedule's results list (its record again when it has none)
-- ARGV[1] group, ARGV[2] record TTL (ms), ARGV[3] most results per schedule,
-- ARGV[4] key base (for the per-minute throughput counter);
-- then four for each completion: consumer, stream entry id, record JSON,
-- schedule entry JSON or ''.
-- Returns one integer per completion: 1 completed, 0 lease lost.
local stream, group, ttl = KEYS[1], ARGV[1], ARGV[2]
local per = tonumber(ARGV[3])
local done, sids, lists = {}, {}, {}
for i = 1, (#ARGV - 4) / 4 do
  local o = 4 + (i - 1) * 4
  local consumer, sid, entry = ARGV[o + 1], ARGV[o + 2], ARGV[o + 4]
  if redis.call('XPENDING', stream, group, sid, sid, 1, consumer)[1] then
    redis.call('SET', KEYS[2 * i], ARGV[o + 3], 'PX', ttl)
    if entry ~= '' then
      redis.call('LPUSH', KEYS[2 * i + 1], entry)
      lists[KEYS[2 * i + 1]] = true
    end
    redis.call('XACK', stream, group, sid) -- so a repeat in the batch finds it settled
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
  redis.call('XDEL', stream, unpack(sids))
  local t = redis.call('TIME')
  tally(ARGV[4], t[1] * 1000 + math.floor(t[2] / 1000), 'completed', #sids)
end
return done
