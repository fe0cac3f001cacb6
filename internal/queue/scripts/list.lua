-- One page of the jobs in one state, oldest or newest first, with their
-- records: O(page), never O(queue). Failed jobs of one error type or one
-- schedule are read from that index of the failed set; of both, from the
-- smaller of the two indexes, the jobs that miss the other filter
-- skipped, at most limit + 2000 members a call (a short page, with a
-- cursor, when that bound ends it).
-- KEYS[1] stream, KEYS[2] delayed, KEYS[3] failed (or the index to read),
-- KEYS[4] with both filters, the type's index (KEYS[3] is the schedule's)
-- ARGV[1] key base, ARGV[2] group, ARGV[3] state, ARGV[4] cursor or '',
-- ARGV[5] limit, ARGV[6] 'oldest' or 'newest', ARGV[7] error type or '',
-- ARGV[8] schedule or ''
-- Returns {next cursor or '', {{job id, record JSON, deliveries held}...}}.
-- A job whose record expired is left out; the cursor still moves past it.
local stream, delayed, failed = KEYS[1], KEYS[2], KEYS[3]
local base, group, state, cursor = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
local newest, etype, sched = ARGV[6] == 'newest', ARGV[7], ARGV[8] or ''
local both = KEYS[4] ~= nil
if both and redis.call('ZCARD', KEYS[4]) < redis.call('ZCARD', failed) then failed = KEYS[4] end
local out, nxt = {}, ''

local function add(id, held)
  local raw = redis.call('GET', base .. 'job:' .. id)
  if raw then out[#out + 1] = {id, raw, held} end
end

if state == 'failed' or state == 'delayed' then
  local key = failed
  if state == 'delayed' then key = delayed end
  -- Read by rank from the cursor's (score, id), looking at no more than
  -- cap members: a rare type among many others ends a call with a short
  -- (even empty) page and the position reached as its cursor.
  local cap = limit + 2000
  local r = 0
  if newest then r = redis.call('ZCARD', key) - 1 end
  if cursor ~= '' then
    local from, cid = string.match(cursor, '^(%d+):(%S+)$')
    if not from then return redis.error_reply('ERR invalid cursor') end
    r = resume(key, from, cid, newest)
  end
  local taken, looked, last = 0, 0, nil
  while taken < limit and looked < cap and r >= 0 do
    -- Filtered, most members may be skipped: read them 100 at least.
    local n = limit - taken
    if both then n = math.max(n, 100) end
    n = math.min(cap - looked, n)
    local batch
    if newest then
      batch = redis.call('ZRANGE', key, math.max(0, r - n + 1), r, 'WITHSCORES')
    else
      batch = redis.call('ZRANGE', key, r, r + n - 1, 'WITHSCORES')
    end
    local k = #batch / 2
    if k == 0 then break end
    for j = 1, k do
      local at = j
      if newest then at = k - j + 1 end
      local id, score = string.match(batch[2 * at - 1], '^(%S+)'), batch[2 * at]
      looked = looked + 1
      if newest then r = r - 1 else r = r + 1 end
      -- Past the cursor either way; a job of another type moves it too.
      last = score .. ':' .. id
      local fits = true
      if both then
        local t, s = string.match(redis.call('HGET', base .. 'failed:index', id) or '', '^(%S*) (.*)$')
        fits = t == etype and s == sched
      end
      if fits then
        taken = taken + 1
        add(id, 0)
        if taken == limit then break end
      end
    end
  end
  if last and (taken == limit or (looked >= cap and r >= 0)) then nxt = last end
elseif state == 'waiting' or state == 'active' then
  if cursor ~= '' and not string.match(cursor, '^%d+%-%d+$') then
    return redis.error_reply('ERR invalid cursor')
  end
  if redis.call('EXISTS', stream) == 0 then return {'', out} end
  local delivered = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    if field(g, 'name') == group then delivered = field(g, 'last-delivered-id') end
  end
  if state == 'waiting' and newest then
    -- From the stream's end back to the group's last delivery.
    if cursor ~= '' and delivered and not later(cursor, delivered) then return {'', out} end
    local upto, floor = '+', '-'
    if cursor ~= '' then upto = '(' .. cursor end
    if delivered then floor = '(' .. delivered end
    local entries = redis.call('XREVRANGE', stream, upto, floor, 'COUNT', limit)
    for _, e in ipairs(entries) do
      local id = field(e[2], 'i')
      if id then add(id, 0) end
    end
    if #entries == limit then nxt = entries[#entries][1] end
  elseif newest then
    return redis.error_reply('ERR newest first: the pending list reads forward only')
  elseif state == 'waiting' then
    -- Waiting entries are those past the group's last delivery.
    local after = delivered
    if cursor ~= '' and (not after or later(cursor, after)) then after = cursor end
    local from = '-'
    if after then from = '(' .. after end
    local entries = redis.call('XRANGE', stream, from, '+', 'COUNT', limit)
    for _, e in ipairs(entries) do
      local id = field(e[2], 'i')
      if id then add(id, 0) end
    end
    if #entries == limit then nxt = entries[#entries][1] end
  elseif delivered then
    local from = '-'
    if cursor ~= '' then from = '(' .. cursor end
    local pending = redis.call('XPENDING', stream, group, from, '+', limit)
    for _, p in ipairs(pending) do
      local e = redis.call('XRANGE', stream, p[1], p[1])
      local id = e[1] and field(e[1][2], 'i')
      if id then add(id, p[4]) end
    end
    if #pending == limit then nxt = pending[#pending][1] end
  end
else
  return redis.error_reply('ERR unknown state')
end
return {nxt, out}
