/**
 * The Lua script of the native Redis engine (redis-engine.ts; run by redis-decider.ts): one
 * script call per decision, on keys that share one hash tag (`hotpath:rl:{<key>}:...`), so that
 * on a Redis Cluster every decision runs on one node, atomically, with the node's clock (`TIME`)
 * as the one clock of every process.
 *
 * Keys: 1 the starts (sorted set, score = start time), 2 the leases of calls in flight (sorted
 * set, score = expiry), 3 the waiting processes (sorted set, score = priority * 1e13 + arrival
 * ms), 4 their expiries (sorted set), 5 the token bucket (hash `level`, `at`).
 *
 * `acquire` args: engineId, startId, priority, queue (1/0), arrival (epoch ms), limit (0: no
 * rate), window (ms a start counts for), minTime (ms, 0: none), maxConcurrent (0: unbounded),
 * leaseTtl, algorithm (`sw`/`tb`), capacity, interval, waiterTtl. Replies `{1, now}` (admitted,
 * recorded) or `{0, wait}`: ms until the rate allows a start, or -1 when only `maxConcurrent` or
 * an earlier waiter blocks (poll). Numbers go back as strings: Lua numbers reply as integers.
 *
 * `release` args: startId, giveBack (1: the start was not made, forget it), interval (a
 * bucket token's worth). `renew` args: ttl, then the lease ids of calls still running.
 */
export const RATE_LIMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local starts, leases, waiters, alive, bucket = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op = ARGV[1]
if op == 'release' then
  redis.call('ZREM', leases, ARGV[2])
  if ARGV[3] == '1' then
    redis.call('ZREM', starts, ARGV[2])
    if redis.call('EXISTS', bucket) == 1 then
      redis.call('HINCRBYFLOAT', bucket, 'level', ARGV[4])
    end
  end
  return 1
end
if op == 'renew' then
  local ttl = tonumber(ARGV[2])
  for i = 3, #ARGV do redis.call('ZADD', leases, 'XX', now + ttl, ARGV[i]) end
  redis.call('PEXPIRE', leases, math.ceil(ttl * 2))
  return 1
end
local engineId, startId = ARGV[2], ARGV[3]
local priority, queue, arrival = tonumber(ARGV[4]), ARGV[5] == '1', tonumber(ARGV[6])
local limit, window, minTime = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local maxConcurrent, leaseTtl, tb = tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12] == 'tb'
local capacity, interval, waiterTtl = tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])

-- Waiting processes that stopped asking (died, or gave up) no longer hold their place.
local dead = redis.call('ZRANGEBYSCORE', alive, '-inf', now)
if #dead > 0 then
  for _, m in ipairs(dead) do redis.call('ZREM', waiters, m) end
  redis.call('ZREMRANGEBYSCORE', alive, '-inf', now)
end

local wait = 0
local level, keep = nil, math.max(window, minTime)
if limit > 0 and tb then
  local b = redis.call('HMGET', bucket, 'level', 'at')
  level = tonumber(b[1]) or capacity
  local at = tonumber(b[2]) or now
  if now > at then level = math.min(capacity, level + (now - at) * limit) end
  if level < interval then wait = (interval - level) / limit end
elseif limit > 0 or minTime > 0 then
  redis.call('ZREMRANGEBYSCORE', starts, '-inf', now - keep)
  if limit > 0 then
    local inWindow = redis.call('ZCOUNT', starts, '(' .. (now - window), '+inf')
    if inWindow >= limit then
      local s = redis.call('ZRANGEBYSCORE', starts, '(' .. (now - window), '+inf', 'WITHSCORES', 'LIMIT', inWindow - limit, 1)
      wait = tonumber(s[2]) + window - now
    end
  end
  if minTime > 0 then
    local last = redis.call('ZRANGE', starts, -1, -1, 'WITHSCORES')
    if last[2] then wait = math.max(wait, tonumber(last[2]) + minTime - now) end
  end
end

-- An earlier waiter (higher priority, or same priority and earlier arrival) goes first.
local mine = priority * 1e13 + arrival
local ahead = redis.call('ZRANGE', waiters, 0, 1, 'WITHSCORES')
for i = 1, #ahead, 2 do
  if ahead[i] ~= engineId and tonumber(ahead[i + 1]) < mine then
    if wait <= 0 then wait = -1 end
    break
  end
end
if wait == 0 and maxConcurrent > 0 then
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
  if redis.call('ZCARD', leases) >= maxConcurrent then wait = -1 end
end

if wait ~= 0 then
  if queue then
    redis.call('ZADD', waiters, mine, engineId)
    redis.call('ZADD', alive, now + waiterTtl + math.max(wait, 0), engineId)
    local ttl = math.ceil(waiterTtl * 2 + math.max(wait, 0))
    redis.call('PEXPIRE', waiters, ttl)
    redis.call('PEXPIRE', alive, ttl)
  end
  return {0, tostring(wait)}
end

if level ~= nil then
  redis.call('HSET', bucket, 'level', tostring(level - interval), 'at', tostring(now))
  redis.call('PEXPIRE', bucket, math.ceil(capacity / limit) + 1000)
elseif limit > 0 or minTime > 0 then
  redis.call('ZADD', starts, now, startId)
  redis.call('PEXPIRE', starts, math.ceil(keep) + 1000)
end
if maxConcurrent > 0 then
  redis.call('ZADD', leases, now + leaseTtl, startId)
  redis.call('PEXPIRE', leases, math.ceil(leaseTtl * 2))
end
if queue then
  redis.call('ZREM', waiters, engineId)
  redis.call('ZREM', alive, engineId)
end
return {1, tostring(now)}
`;
