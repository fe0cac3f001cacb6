-- Adds a batch of jobs: one stream entry and one record each.
-- KEYS[1] stream
-- ARGV[1] key base "{prefix}:", ARGV[2] idempotency window (ms),
-- then per job: id, idempotency key ('' for none), job JSON.
-- Returns the id of every job in input order; a repeated idempotency key
-- returns the id of the job that first used it and adds nothing.
local stream, base, window = KEYS[1], ARGV[1], ARGV[2]
local out = {}
for i = 3, #ARGV, 3 do
  local id, key, job = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local first = false
  if key ~= '' then
    first = redis.call('SET', base .. 'idem:' .. key, id, 'NX', 'GET', 'PX', window)
  end
  if first then
    out[#out + 1] = first
  else
    local sid = redis.call('XADD', stream, '*', 'i', id, 'a', '1', 'j', job)
    redis.call('SET', base .. 'job:' .. id, '{"state":"waiting","sid":"' .. sid .. '","attempts":0}')
    out[#out + 1] = id
  end
end
return out
