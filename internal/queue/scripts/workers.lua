-- The live workers and what each last said about itself.
-- KEYS[1] workers, KEYS[2] worker info
-- ARGV[1] most workers to return
-- Returns {ids, infos}: infos[i] is ids[i]'s JSON, or false.
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', 0, tonumber(ARGV[1]))
if #ids == 0 then return {{}, {}} end
return {ids, redis.call('HMGET', KEYS[2], unpack(ids))}
