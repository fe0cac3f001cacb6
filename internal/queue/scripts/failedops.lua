-- An operator's retry or purge of failed jobs: one job, or the oldest of
-- those matching an error type and/or a schedule (read from the failed
-- set's indexes). A retry puts the job back in the stream as a new entry
-- that carries a fresh budget (b: the attempts already finished, from
-- which MaxAttempts counts) and the operator (o); its record keeps its
-- attempts and last error. A purge deletes the job, record and all.
-- KEYS[1] stream
-- ARGV[1] key base, ARGV[2] group, ARGV[3] 'retry' or 'purge',
-- ARGV[4] operator JSON, ARGV[5] job id, or '' for the matching jobs,
-- ARGV[6] error type or '', ARGV[7] schedule or '', ARGV[8] most jobs.
-- One job: returns {'ok'}, {'missing'}, {'nospec'} (parked without its
-- job by an older version: it cannot be retried) or {'state', state}.
-- Matching jobs: returns {jobs taken, matching jobs left}.
local stream, base, group, op, operator = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local failed = base .. 'failed'

-- take retries or purges id, a failed job; 'ok', 'missing' (its record
-- expired: it leaves the failed set) or 'nospec' (left alone).
local function take(id)
  local key = base .. 'job:' .. id
  local raw = redis.call('GET', key)
  if not raw then
    unpark(base, id)
    if op == 'purge' then return 'ok' end
    return 'missing'
  end
  if op == 'purge' then
    unpark(base, id)
    redis.call('DEL', key)
    return 'ok'
  end
  local rec = cjson.decode(raw)
  if type(rec.spec) ~= 'string' or rec.spec == '' then return 'nospec' end
  unpark(base, id)
  local attempts = tonumber(rec.attempts) or 0
  local sid = redis.call('XADD', stream, '*', 'i', id, 'a', tostring(attempts + 1), 'j', rec.spec,
    'b', tostring(attempts), 'o', operator)
  rec.state, rec.sid, rec.base, rec.spec, rec.due = 'waiting', sid, attempts, nil, nil
  rec.operator = cjson.decode(operator)
  redis.call('SET', key, cjson.encode(rec)) -- a waiting job's record does not expire
  return 'ok'
end

if ARGV[5] ~= '' then
  local id = ARGV[5]
  local raw = redis.call('GET', base .. 'job:' .. id)
  if not raw then
    if op == 'purge' and unpark(base, id) == 1 then return {'ok'} end
    unpark(base, id)
    return {'missing'}
  end
  local rec = cjson.decode(raw)
  if rec.state ~= 'failed' then
    local state = rec.state
    if state == 'waiting' and type(rec.sid) == 'string' then
      local p = redis.pcall('XPENDING', stream, group, rec.sid, rec.sid, 1)
      if type(p) == 'table' and p[1] then state = 'active' end
    end
    return {'state', state}
  end
  return {take(id)}
end

local etype, sched, most = ARGV[6], ARGV[7], tonumber(ARGV[8])
local idx = failed
if sched ~= '' then
  idx = base .. 'failed:schedule:' .. sched
elseif etype ~= '' then
  idx = base .. 'failed:type:' .. etype
end
local both = sched ~= '' and etype ~= ''
-- Jobs left in place (not matching, or not retryable) push the next range
-- further; the scan is bounded so that one call stays short.
local taken, offset, looked = 0, 0, 0
while taken < most and looked < 4 * most + 100 do
  local ids = redis.call('ZRANGE', idx, offset, offset + (most - taken) - 1)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    looked = looked + 1
    local fits = true
    if both then
      local meta = redis.call('HGET', base .. 'failed:index', id)
      fits = meta and string.match(meta, '^(%S*) ') == etype
    end
    if fits then
      local r = take(id)
      if r == 'ok' then
        taken = taken + 1
      elseif r == 'nospec' then
        offset = offset + 1
      end
    else
      offset = offset + 1
    end
  end
end
local remaining
if both then
  remaining = redis.call('ZINTERCARD', 2, base .. 'failed:type:' .. etype, idx)
else
  remaining = redis.call('ZCARD', idx)
end
return {taken, remaining}
