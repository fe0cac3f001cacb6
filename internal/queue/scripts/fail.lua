-- Ends one attempt of a job that failed: into the delayed set for a retry,
-- or into the failed set (and its indexes) for good, dropping the oldest
-- failed jobs past FailedMax or FailedRetention. Does nothing if the
-- consumer no longer holds the delivery (another worker runs it now).
-- KEYS[1] stream, KEYS[2] delayed, KEYS[3] failed, KEYS[4] record,
-- KEYS[5] schedule results list (only used when ARGV[9] is not '')
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] stream entry id, ARGV[4] job id,
-- ARGV[5] 'delayed' or 'failed', ARGV[6] delay (ms), ARGV[7] delayed member,
-- ARGV[8] record JSON, ARGV[9] schedule entry JSON or '',
-- ARGV[10] most results per schedule, ARGV[11] record TTL (ms),
-- ARGV[12] key base, ARGV[13] error type, ARGV[14] schedule or '',
-- ARGV[15] most failed jobs, ARGV[16] failed retention (ms).
-- Returns the new state, or 'lost'.
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then
  return 'lost'
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local base, retention = ARGV[12], tonumber(ARGV[16])
if ARGV[5] == 'delayed' then
  local due = now + tonumber(ARGV[6])
  -- The record is Go's JSON object; its score in the delayed set goes in
  -- too, so that a cancel finds the member.
  redis.call('SET', KEYS[4], string.sub(ARGV[8], 1, -2) .. ',"due":' .. due .. '}')
  redis.call('ZADD', KEYS[2], due, ARGV[7])
else
  redis.call('SET', KEYS[4], ARGV[8], 'PX', retention)
  park(base, ARGV[4], now, ARGV[13], ARGV[14])
  trim(base, tonumber(ARGV[15]), now - retention, 100)
  tally(base, now, 'failed', 1)
  if ARGV[9] ~= '' then
    redis.call('LPUSH', KEYS[5], ARGV[9])
    redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[10]) - 1)
    redis.call('PEXPIRE', KEYS[5], ARGV[11])
  end
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return ARGV[5]
