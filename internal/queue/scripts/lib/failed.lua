-- Prepended to every script of the queue. Every one that adds to or takes
-- from the failed set does it with park, unpark and trim, so that all of
-- them keep its indexes alike; the helpers at the end serve them all. Next to the failed set (id,
-- scored by the time it was parked) live a ZSET per error type and one per
-- schedule, scored the same, and the hash failed:index, id -> "<error
-- type> <schedule>", which says which indexes hold a job: a job leaves
-- them even after its record expired. Every key is under the one key base.

-- park puts id in the failed set and its indexes at score (ms).
local function park(base, id, score, etype, sched)
  etype, sched = etype or '', sched or ''
  redis.call('ZADD', base .. 'failed', score, id)
  redis.call('HSET', base .. 'failed:index', id, etype .. ' ' .. sched)
  if etype ~= '' then redis.call('ZADD', base .. 'failed:type:' .. etype, score, id) end
  if sched ~= '' then redis.call('ZADD', base .. 'failed:schedule:' .. sched, score, id) end
end

-- unpark takes id out of the failed set and its indexes; returns 1 if it
-- was in the failed set.
local function unpark(base, id)
  local n = redis.call('ZREM', base .. 'failed', id)
  local meta = redis.call('HGET', base .. 'failed:index', id)
  if meta then
    local etype, sched = string.match(meta, '^(%S*) (.*)$')
    if etype and etype ~= '' then redis.call('ZREM', base .. 'failed:type:' .. etype, id) end
    if sched and sched ~= '' then redis.call('ZREM', base .. 'failed:schedule:' .. sched, id) end
    redis.call('HDEL', base .. 'failed:index', id)
  end
  return n
end

-- trim drops, records too, the oldest failed jobs beyond most and those
-- parked before cutoff (ms), at most bound of them, and counts them in
-- failed:dropped. Returns how many it dropped.
local function trim(base, most, cutoff, bound)
  local failed = base .. 'failed'
  local drop = {}
  local over = redis.call('ZCARD', failed) - most
  if over > 0 then drop = redis.call('ZRANGE', failed, 0, math.min(over, bound) - 1) end
  if #drop < bound then
    -- The oldest first, so those already chosen by count are skipped.
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', failed, '-inf', '(' .. cutoff, 'LIMIT', #drop, bound - #drop)) do
      drop[#drop + 1] = id
    end
  end
  for _, id in ipairs(drop) do
    unpark(base, id)
    redis.call('DEL', base .. 'job:' .. id)
  end
  if #drop > 0 then redis.call('INCRBY', base .. 'failed:dropped', #drop) end
  return #drop
end

-- tally adds n to field (completed or failed) of the minute of now (ms);
-- the per-minute counters live two hours.
local function tally(base, now, field, n)
  local key = base .. 'stats:' .. math.floor(now / 60000)
  redis.call('HINCRBY', key, field, n)
  redis.call('EXPIRE', key, 7200)
end

-- Stream ids compare by their two numbers, not as strings; the numbers
-- are compared as digit strings (the longer is larger, then by bytes), as
-- they may pass what a Lua number holds exactly (2^53 here, 2^63 in the
-- embedded Redis). Ids have no leading zeros: Redis writes them so, and
-- the queue checks the cursors it is given.
local function greater(x, y)
  if #x ~= #y then return #x > #y end
  return x > y
end

local function later(a, b)
  local am, as = string.match(a, '^(%d+)%-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)%-(%d+)$')
  return greater(am, bm) or (am == bm and greater(as, bs))
end

-- field is the value of name in a flat reply of Redis (XINFO's, a stream
-- entry's fields), or nil.
local function field(flat, name)
  for i = 1, #flat, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
  return nil
end

-- lastDelivered is the group's last delivered stream id, or nil.
local function lastDelivered(stream, group)
  if redis.call('EXISTS', stream) == 0 then return nil end
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    if field(g, 'name') == group then return field(g, 'last-delivered-id') end
  end
  return nil
end

-- resume is where a reading of the sorted set key goes on after the
-- member at (score, id), in ascending ranks: oldest first, the rank of the
-- first member past it; newest first, of the last member before it (-1
-- when none). The member itself may be gone. Members of one score are in
-- member order, which is id order (ids have one length and start the
-- member), so the ties at score are found by bisection: O(log² n) however
-- many jobs share the score, where paging by offset costs O(offset).
local function resume(key, score, id, newest)
  local a = redis.call('ZCOUNT', key, '-inf', '(' .. score)
  local b = a + redis.call('ZCOUNT', key, score, score)
  while a < b do
    local mid = math.floor((a + b) / 2)
    local m = redis.call('ZRANGE', key, mid, mid)[1]
    local mid_id = string.match(m or '', '^(%S*)')
    if mid_id < id or (not newest and mid_id == id) then a = mid + 1 else b = mid end
  end
  if newest then return a - 1 end
  return a
end

-- shownState is a record's state as the API shows it: a waiting job whose
-- entry a worker holds is active.
local function shownState(stream, group, rec)
  if rec.state == 'waiting' and type(rec.sid) == 'string' then
    local p = redis.pcall('XPENDING', stream, group, rec.sid, rec.sid, 1)
    if type(p) == 'table' and p[1] then return 'active' end
  end
  return rec.state
end
