-- One page of the jobs in one state, oldest first, with their records:
-- O(page) (plus ties skipped at the cursor's score), never O(queue).
-- KEYS[1] stream, KEYS[2] delayed, KEYS[3] failed
-- ARGV[1] key base, ARGV[2] group, ARGV[3] state, ARGV[4] cursor or '',
-- ARGV[5] limit
-- Returns {next cursor or '', {{job id, record JSON, deliveries held}...}}.
-- A job whose record expired is left out; the cursor still moves past it.
local stream, delayed, failed = KEYS[1], KEYS[2], KEYS[3]
local base, group, state, cursor = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
local out, nxt = {}, ''

local function field(flat, name)
  for i = 1, #flat, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
  return nil
end

local function add(id, held)
  local raw = redis.call('GET', base .. 'job:' .. id)
  if raw then out[#out + 1] = {id, raw, held} end
end

-- Stream ids compare by their two numbers, not as strings.
local function later(a, b)
  local am, as = string.match(a, '^(%d+)%-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)%-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end

if state == 'failed' or state == 'delayed' then
  local key = failed
  if state == 'delayed' then key = delayed end
  local min, cid = '-inf', nil
  if cursor ~= '' then
    min, cid = string.match(cursor, '^(%d+):(%w+)$')
    if not min then return redis.error_reply('ERR invalid cursor') end
  end
  -- Members of one score are in member order, which is id order: ids
  -- have one length and start the member. One more than the page is
  -- asked, for the cursor's own member at the start.
  local taken, offset, last = 0, 0, nil
  while taken < limit do
    local batch = redis.call('ZRANGEBYSCORE', key, min, '+inf', 'WITHSCORES', 'LIMIT', offset, limit + 1)
    if #batch == 0 then break end
    offset = offset + #batch / 2
    for j = 1, #batch, 2 do
      local id, score = string.match(batch[j], '^(%S+)'), batch[j + 1]
      if not (cid and score == min and id <= cid) then
        taken = taken + 1
        add(id, 0)
        last = score .. ':' .. id
        if taken == limit then break end
      end
    end
  end
  if taken == limit then nxt = last end
elseif state == 'waiting' or state == 'active' then
  if cursor ~= '' and not string.match(cursor, '^%d+%-%d+$') then
    return redis.error_reply('ERR invalid cursor')
  end
  if redis.call('EXISTS', stream) == 0 then return {'', out} end
  local delivered = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    if field(g, 'name') == group then delivered = field(g, 'last-delivered-id') end
  end
  if state == 'waiting' then
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
