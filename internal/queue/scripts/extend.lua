-- Renews the lease of deliveries still held by the consumer; XCLAIM with
-- JUSTID resets their idle time without counting a delivery.
-- KEYS[1] stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3..] stream entry ids
-- Returns the ids the consumer no longer holds.
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local lost = {}
local claim = {stream, group, consumer, 0}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', stream, group, ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == consumer then
    claim[#claim + 1] = ARGV[i]
  else
    lost[#lost + 1] = ARGV[i]
  end
end
if #claim > 4 then
  claim[#claim + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(claim))
end
return lost
