-- Adds a batch of jobs: one stream entry and one record each.
-- KEYS[1] stream
-- ARGV[1] key base "{prefix}:", ARGV[2] idempotency window (ms),
-- then per job: id, idempotency key ('' for none), fingerprint, job JSON.
-- Returns the id of every job in input order. A key taken by the same job
-- (same fingerprint) returns that job's id and adds nothing. A key taken by
-- a different job fails the call with "IDEMPOTENCY_CONFLICT n" (n: the
-- job's 1-based place in this call) before anything is written.
-- A key's value is "id fingerprint"; a bare id, stored before fingerprints
-- were, matches any job.
local stream, base, window = KEYS[1], ARGV[1], ARGV[2]
local taken = {} -- key -> {id, fingerprint, whether this call adds it}
for i = 3, #ARGV, 4 do
  local id, key, fp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if key ~= '' then
    local t = taken[key]
    if not t then
      local v = redis.call('GET', base .. 'idem:' .. key)
      if v then
        local had, hadfp = string.match(v, '^(%S+) (%S+)$')
        t = {had or v, hadfp or fp, false}
      else
        t = {id, fp, true}
      end
      taken[key] = t
    end
    if t[2] ~= fp then
      return redis.error_reply('IDEMPOTENCY_CONFLICT ' .. ((i - 3) / 4 + 1))
    end
  end
end
local out = {}
for i = 3, #ARGV, 4 do
  local id, key, job = ARGV[i], ARGV[i + 1], ARGV[i + 3]
  local t = taken[key]
  if t and not (t[3] and t[1] == id) then
    out[#out + 1] = t[1]
  else
    local sid = redis.call('XADD', stream, '*', 'i', id, 'a', '1', 'j', job)
    -- A scheduled job's record names its schedule. No string value of
    -- the job's JSON can hold this pattern (its quotes are escaped), and a
    -- schedule name needs no escaping.
    local sched = string.match(job, '"schedule":"([%w_.%-]+)"')
    local extra = ''
    if sched then extra = ',"schedule":"' .. sched .. '"' end
    redis.call('SET', base .. 'job:' .. id, '{"state":"waiting","sid":"' .. sid .. '","attempts":0' .. extra .. '}')
    if t then
      redis.call('SET', base .. 'idem:' .. key, id .. ' ' .. t[2], 'PX', window)
    end
    out[#out + 1] = id
  end
end
return out
