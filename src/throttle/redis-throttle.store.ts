import type Redis from 'ioredis';
import { ThrottleCounter, ThrottlePolicy } from './throttle-policy';
import { ThrottleStore } from './throttle.store';

/** nextCounter() in Lua, so a failure is one atomic step on the Redis server. Time comes from the caller's Clock. */
const FAIL = `
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local base = tonumber(ARGV[4])
local max = tonumber(ARGV[5])
local v = redis.call('HMGET', KEYS[1], 'f', 'w', 'l')
local f = tonumber(v[1])
local w = tonumber(v[2])
local l = tonumber(v[3]) or 0
if (not f) or now >= w + window then
  f = 1
  w = now
else
  f = f + 1
end
local over = f - threshold
if over >= 0 then
  local lock = base * (2 ^ math.min(over, 30))
  if lock > max then lock = max end
  l = now + lock
end
redis.call('HSET', KEYS[1], 'f', f, 'w', w, 'l', l)
local ttl = math.max(w + window, l) - now
if ttl < 1 then ttl = 1 end
redis.call('EXPIRE', KEYS[1], ttl + 60)
return {f, w, l}
`;

/** Counters in Redis hashes (REDIS_URL), under REDIS_PREFIX; they expire by themselves. */
export class RedisThrottleStore extends ThrottleStore {
  constructor(
    private readonly client: Redis,
    private readonly key: (name: string) => string,
  ) {
    super();
  }

  async read(keys: string[]): Promise<Array<ThrottleCounter | null>> {
    if (keys.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const k of keys) pipeline.hmget(this.key(k), 'f', 'w', 'l');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      const [f, w, l] = value as Array<string | null>;
      return f === null ? null : { failures: Number(f), windowStart: Number(w), lockedUntil: Number(l ?? 0) };
    });
  }

  async fail(key: string, policy: ThrottlePolicy, now: number): Promise<ThrottleCounter> {
    const [f, w, l] = (await this.client.eval(FAIL, 1, this.key(key), now, policy.threshold, policy.window, policy.baseLock, policy.maxLock)) as number[];
    return { failures: Number(f), windowStart: Number(w), lockedUntil: Number(l) };
  }

  async reset(keys: string[]): Promise<void> {
    if (keys.length) await this.client.del(...keys.map((k) => this.key(k)));
  }
}
