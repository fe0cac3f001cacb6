-- An operator's retry or purge of failed jobs: one job, or the oldest of
-- those matching an error type and/or a schedule (read from the failed
-- set's indexes). A retry puts the job back in the stream as a new entry
-- that carries a fresh budget (b: the attempts already finished, from
-- which MaxAttempts counts) and the operator (o); its record keeps its
-- attempts and last error. A purge deletes the job, record and all.
-- KEYS[1] stream
-- ARGV[1] key base, ARGV[2] group, ARGV[3] 'retry' or 'purge',
-- ARGV[4] operator JSON, ARGV[5] job id, or '' for the matching jobs,
-- ARGV[6] error type or '', ARGV[7] schedule or '', ARGV[8] most jobs,
-- ARGV[9] cursor ('score:id' of the last job looked at, or '' from the
-- oldest), ARGV[10] most jobs to look at, ARGV[11] the pass's ceiling:
-- no job scored above it is looked at ('' on a pass's first call, which
-- takes the highest score in the index then, so that a retried job that
-- fails again, parked behind the cursor, is not taken twice in one pass).
-- ARGV[3] may also be 'count': the matching jobs are counted, nothing
-- changes, and there is no ceiling.
-- One job: returns {'ok'}, {'missing'}, {'nospec'} (parked without its
-- job by an older version: it cannot be retried) or {'state', state}.
-- Matching jobs: returns {jobs taken, jobs skipped as not retryable,
-- cursor to go on from ('' at the end), jobs looked at, size of the index
-- read, matching jobs counted, ceiling}. Only commands the embedded Redis
-- (miniredis) knows too.
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
    return {'state', shownState(stream, group, rec)}
  end
  return {take(id)}
end

local etype, sched, most, cursor, budget = ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10])
local byType, bySched = base .. 'failed:type:' .. etype, base .. 'failed:schedule:' .. sched
local both = sched ~= '' and etype ~= ''
local idx = failed
if both then
  -- The smaller index is read; the other filter is checked on each job.
  if redis.call('ZCARD', byType) < redis.call('ZCARD', bySched) then idx = byType else idx = bySched end
elseif sched ~= '' then
  idx = bySched
elseif etype ~= '' then
  idx = byType
end
local size = redis.call('ZCARD', idx)
if op == 'count' and not both then return {0, 0, '', 0, size, size, ''} end
local ceiling = ARGV[11]
if ceiling == '' and op ~= 'count' then
  local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  ceiling = top[2] or '0'
end
-- From the cursor on, oldest first, at most budget members: jobs left in
-- place (of another type, or not retryable) cost a look each and no more,
-- as the cursor carries the reading past them into the next call.
local r = 0
if cursor ~= '' then
  local from, cid = string.match(cursor, '^(%d+):(%S+)$')
  if not from then return redis.error_reply('ERR invalid cursor') end
  r = resume(idx, from, cid, false)
end
local taken, skipped, looked, matched, last = 0, 0, 0, 0, ''
while looked < budget and (op == 'count' or taken < most) do
  local batch = redis.call('ZRANGE', idx, r, r + math.min(100, budget - looked) - 1, 'WITHSCORES')
  if #batch == 0 then
    last = '' -- the end of the index
    break
  end
  local over = false
  for j = 1, #batch, 2 do
    local id = batch[j]
    if ceiling ~= '' and tonumber(batch[j + 1]) > tonumber(ceiling) then
      over = true -- parked after the pass began
      break
    end
    looked = looked + 1
    last = batch[j + 1] .. ':' .. id
    local fits = true
    if both then
      local meta = redis.call('HGET', base .. 'failed:index', id)
      local t, s = string.match(meta or '', '^(%S*) (.*)$')
      fits = t == etype and s == sched
    end
    local kept = true -- a member left in place keeps its rank
    if fits and op == 'count' then
      matched = matched + 1
    elseif fits then
      local res = take(id)
      if res == 'ok' then
        taken, kept = taken + 1, false
      elseif res == 'nospec' then
        skipped = skipped + 1
      else
        kept = false -- its record expired: it left the failed set
      end
    end
    if kept then r = r + 1 end
    if op ~= 'count' and taken == most then break end
  end
  if over then
    last = '' -- the pass is over
    break
  end
end
return {taken, skipped, last, looked, size, matched, ceiling}
