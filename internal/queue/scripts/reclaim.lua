-- Housekeeping run by one reader every ReclaimEvery: parks deliveries that
-- reached MaxDeliveries, reclaims deliveries whose lease ran out for the
-- calling consumer (never its own: it is still running those, and a late
-- extend is not a death), drops failed jobs past FailedRetention or
-- FailedMax (at most a bounded number per sweep), drops
-- consumers that hold nothing and have long been idle, and trims
-- acknowledged entries a broken connection may have left behind. The scan
-- is XPENDING's IDLE filter over the whole pending list, so deliveries
-- still leased, however many, hide no expired one behind them.
-- KEYS[1] stream, KEYS[2] failed
-- ARGV[1] key base, ARGV[2] group, ARGV[3] consumer, ARGV[4] lease (ms),
-- ARGV[5] max deliveries, ARGV[6] most entries to claim, ARGV[7] record TTL (ms),
-- ARGV[8] idle time (ms) after which an empty consumer is dropped,
-- ARGV[9] most results per schedule, ARGV[10] failed retention (ms),
-- ARGV[11] most failed jobs, ARGV[12] most failed jobs dropped per sweep.
-- Returns {claimed entries, parked ids, delivery count of each claimed entry}.
local stream, failed = KEYS[1], KEYS[2]
local base, group, consumer = ARGV[1], ARGV[2], ARGV[3]
local lease, maxd, count = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local ttl, dropIdle, perSchedule = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local retention, mostFailed, sweep = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local function idless(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, bm = tonumber(am), tonumber(bm)
  if am ~= bm then return am < bm end
  return tonumber(as) < tonumber(bs)
end

local parked, expired = {}, {}
for _, p in ipairs(redis.call('XPENDING', stream, group, 'IDLE', lease, '-', '+', count + 100)) do
  local sid, owner, n = p[1], p[2], p[4]
  if n < maxd then
    if owner ~= consumer and #expired < count then expired[#expired + 1] = sid end
  else
    local e = redis.call('XRANGE', stream, sid, sid)
    redis.call('XACK', stream, group, sid)
    redis.call('XDEL', stream, sid)
    if e[1] then
      local f = e[1][2]
      local id, a = field(f, 'i') or sid, field(f, 'a') or '1'
      local msg = 'delivered ' .. n .. ' times without finishing; its worker may crash on it'
      local spec = field(f, 'j') or ''
      local ok, job = pcall(cjson.decode, spec)
      local sched = ''
      if ok and type(job) == 'table' and type(job.schedule) == 'string' then sched = job.schedule end
      -- The record keeps what a retry needs: the job, where its budget
      -- started, and the operator retry that started it.
      local rec = {state = 'failed', attempts = tonumber(a) + n - 1,
        error = {type = 'internal', message = msg}, finished = now}
      if spec ~= '' then rec.spec = spec end
      if sched ~= '' then rec.schedule = sched end
      local b = tonumber(field(f, 'b') or '')
      if b and b > 0 then rec.base = b end
      local okOp, op = pcall(cjson.decode, field(f, 'o') or '')
      if okOp and type(op) == 'table' then rec.operator = op end
      redis.call('SET', base .. 'job:' .. id, cjson.encode(rec), 'PX', retention)
      park(base, id, now, 'internal', sched)
      tally(base, now, 'failed', 1)
      if sched ~= '' then
        -- keyspace.Keys.ScheduleResults; the entry has schedule.EncodeResult's shape
        local list = base .. 'schedule:' .. sched .. ':results'
        redis.call('LPUSH', list, cjson.encode({id = id, state = 'failed', attempts = tonumber(a) + n - 1,
          error = {type = 'internal', message = msg}, finished_ms = now}))
        redis.call('LTRIM', list, 0, perSchedule - 1)
        redis.call('PEXPIRE', list, ttl)
      end
      parked[#parked + 1] = id
    end
  end
end

-- Entries deleted from the stream leave the pending list and are not returned.
local claimed = {}
if #expired > 0 then
  claimed = redis.call('XCLAIM', stream, group, consumer, lease, unpack(expired))
end

trim(base, mostFailed, now - retention, sweep)

for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
  local name, pending, idle = field(c, 'name'), field(c, 'pending'), field(c, 'idle')
  if pending == 0 and idle > dropIdle and name ~= consumer then
    redis.call('XGROUP', 'DELCONSUMER', stream, group, name)
  end
end

-- Every entry before the group's last delivered id was delivered, so one
-- that is not pending was acknowledged and can go.
local last = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  if field(g, 'name') == group then last = field(g, 'last-delivered-id') end
end
if last then
  local summary = redis.call('XPENDING', stream, group)
  local minid = last
  if summary[1] > 0 and idless(summary[2], last) then minid = summary[2] end
  redis.call('XTRIM', stream, 'MINID', minid)
end

-- Each claimed entry's delivery count, this claim included: every
-- delivery of an entry is a run of its job.
local counts = {}
for i, e in ipairs(claimed) do
  local p = redis.call('XPENDING', stream, group, e[1], e[1], 1)
  counts[i] = p[1] and p[1][4] or 1
end

return {claimed, parked, counts}
