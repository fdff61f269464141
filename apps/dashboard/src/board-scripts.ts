// Lua run inside Redis, so each write is one atomic compare-and-set: the check of the stored
// version, the sequence number, the write, the trim and the PUBLISH happen together, and the
// order of sequence numbers is the order of messages on the channel. Every key shares the
// prefix's hash tag, so the scripts also run on a Redis Cluster.

/**
 * KEYS: seq, order hash, recent zset. ARGV: orderId, version, entry JSON, score (ms), max orders,
 * min score (ms), ttl (s), channel, '1' when the event is order.created (it carries the details).
 * Returns the sequence number of the change, or 0 when a newer or equal version is stored.
 */
export const APPLY_ORDER = `
local stored = tonumber(redis.call('HGET', KEYS[2], 'version'))
local storedEntry = redis.call('HGET', KEYS[2], 'entry')
local version = tonumber(ARGV[2])
if stored and stored >= version then
  -- order.created arriving after a status change still brings the details the change lacks
  if ARGV[9] == '1' and storedEntry then
    local s = cjson.decode(storedEntry)
    if s.totalMinor == nil then
      local n = cjson.decode(ARGV[3])
      s.totalMinor = n.totalMinor; s.currency = n.currency; s.priority = n.priority
      redis.call('HSET', KEYS[2], 'entry', cjson.encode(s))
    end
  end
  return 0
end
local entry = ARGV[3]
if ARGV[9] ~= '1' and storedEntry then
  local s = cjson.decode(storedEntry)
  if s.totalMinor ~= nil then
    local n = cjson.decode(entry)
    n.totalMinor = s.totalMinor; n.currency = s.currency; n.priority = s.priority
    entry = cjson.encode(n)
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'version', version, 'entry', entry)
redis.call('EXPIRE', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], 'GT', ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[6])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[5]) + 1))
redis.call('PUBLISH', ARGV[8], '{"seq":' .. seq .. ',"kind":"order","data":' .. entry .. '}')
return seq
`;

/**
 * KEYS: seq, stats hash (windowStart → JSON), rank hash (windowStart → rank), windows zset.
 * ARGV: windowStart, rank (final dominates, then emittedAt), JSON, windowStart ms, max windows,
 * channel. Returns the sequence number, or 0 when the stored record is as new or newer, or the
 * window is older than every window kept.
 */
export const APPLY_STATS = `
local stored = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if stored and stored >= tonumber(ARGV[2]) then return 0 end
local max = tonumber(ARGV[5])
if not stored and redis.call('ZCARD', KEYS[4]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  if oldest[2] and tonumber(ARGV[4]) < tonumber(oldest[2]) then return 0 end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
local gone = redis.call('ZRANGE', KEYS[4], 0, -(max + 1))
if #gone > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(max + 1))
  redis.call('HDEL', KEYS[2], unpack(gone))
  redis.call('HDEL', KEYS[3], unpack(gone))
end
redis.call('PUBLISH', ARGV[6], '{"seq":' .. seq .. ',"kind":"stats","data":' .. ARGV[3] .. '}')
return seq
`;

/**
 * KEYS: seq, alerts hash (alertId → JSON), alerts zset (score = windowStart ms). ARGV: alertId,
 * JSON, score, max alerts, channel. An id already stored is a replay: 0, nothing published.
 */
export const APPLY_ALERT = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local max = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[3]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if oldest[2] and tonumber(ARGV[3]) < tonumber(oldest[2]) then return 0 end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
local gone = redis.call('ZRANGE', KEYS[3], 0, -(max + 1))
if #gone > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(max + 1))
  redis.call('HDEL', KEYS[2], unpack(gone))
end
redis.call('PUBLISH', ARGV[5], '{"seq":' .. seq .. ',"kind":"alert","data":' .. ARGV[2] .. '}')
return seq
`;

/**
 * KEYS: seq, recent zset, stats hash, windows zset, alerts hash, alerts zset. ARGV: order key
 * prefix, max orders, min score (ms). Returns { seq, order entries (newest first), stats
 * (oldest window first), alerts (newest first) }, all read at one instant.
 */
export const SNAPSHOT = `
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[2], '+inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[2]))
local orders = {}
for _, id in ipairs(ids) do
  local e = redis.call('HGET', ARGV[1] .. id, 'entry')
  if e then orders[#orders + 1] = e end
end
local stats = {}
local windows = redis.call('ZRANGE', KEYS[4], 0, -1)
if #windows > 0 then stats = redis.call('HMGET', KEYS[3], unpack(windows)) end
local alerts = {}
local alertIds = redis.call('ZREVRANGE', KEYS[6], 0, -1)
if #alertIds > 0 then alerts = redis.call('HMGET', KEYS[5], unpack(alertIds)) end
return { seq, orders, stats, alerts }
`;
