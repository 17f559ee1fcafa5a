import { FixedClock } from '../common/clock';
import { loadConfig } from '../config/env.validation';
import { RedisService } from '../redis/redis.service';
import { Client } from './client.entity';
import { ClientCache } from './client-cache';

const client = (clientId: string): Client =>
  Object.assign(new Client(), { id: 1, clientId, clientSecretHash: null, clientIdIssuedAt: 0, clientSecretExpiresAt: 0, metadata: { grant_types: ['client_credentials'] }, userId: null, vetted: true });

describe(ClientCache.name, () => {
  let clock: FixedClock;
  let cache: ClientCache;
  const build = (env: Record<string, string> = {}) => {
    const config = loadConfig({ NODE_ENV: 'test', ...env });
    clock = new FixedClock(1_700_000_000);
    cache = new ClientCache(config, clock, new RedisService(config));
  };
  beforeEach(() => build());

  it('loads once and serves the same client until CLIENT_CACHE_TTL (default 5 s without Redis) has passed', async () => {
    const load = jest.fn(async () => client('a'));
    await cache.getOrLoad('a', load);
    clock.advance(4);
    expect((await cache.getOrLoad('a', load))?.clientId).toBe('a');
    expect(load).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await cache.getOrLoad('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('never caches an unknown client_id', async () => {
    const load = jest.fn(async () => null);
    expect(await cache.getOrLoad('x', load)).toBeNull();
    expect(await cache.getOrLoad('x', load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not store what a lookup read while a change to any client was being reported', async () => {
    const stale = client('a');
    await cache.getOrLoad('a', async () => {
      await cache.changed('a'); // the change lands between the read and the store
      return stale;
    });
    const load = jest.fn(async () => client('a'));
    await cache.getOrLoad('a', load);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('evicts one client on changed() and every client on changedAll()', async () => {
    await cache.getOrLoad('a', async () => client('a'));
    await cache.getOrLoad('b', async () => client('b'));
    await cache.changed('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    await cache.changedAll();
    expect(cache.get('b')).toBeUndefined();
  });

  it('keeps at most 10,000 clients, dropping the least recently used', async () => {
    for (let i = 0; i < 10_000; i++) await cache.getOrLoad(`c${i}`, async () => client(`c${i}`));
    expect(cache.get('c0')).toBeDefined(); // used: now the most recent
    await cache.getOrLoad('new', async () => client('new'));
    expect(cache.get('c0')).toBeDefined();
    expect(cache.get('c1')).toBeUndefined();
    expect(cache.get('new')).toBeDefined();
  });

  it('hands out frozen clients: a request cannot change what the next one sees', async () => {
    const cached = await cache.getOrLoad('a', async () => client('a'));
    expect(Object.isFrozen(cached)).toBe(true);
    expect(Object.isFrozen(cached!.metadata.grant_types)).toBe(true);
  });

  it('is off with CLIENT_CACHE_TTL=0', async () => {
    build({ CLIENT_CACHE_TTL: '0' });
    const load = jest.fn(async () => client('a'));
    await cache.getOrLoad('a', load);
    await cache.getOrLoad('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('is bypassed while its Redis subscription is down: a change it might miss is never served stale', async () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: `gh-test-${process.pid}:` });
    const redis = new RedisService(config);
    redis.client!.on('error', () => undefined);
    cache = new ClientCache(config, new FixedClock(), redis);
    try {
      await cache.onModuleInit();
      const load = jest.fn(async () => client('a'));
      await cache.getOrLoad('a', load);
      await cache.getOrLoad('a', load);
      expect(load).toHaveBeenCalledTimes(2);
    } finally {
      cache.onApplicationShutdown();
      await redis.onApplicationShutdown();
    }
  });

  it('refuses a negative or non-numeric CLIENT_CACHE_TTL at start', () => {
    expect(() => build({ CLIENT_CACHE_TTL: '-1' })).toThrow(/CLIENT_CACHE_TTL/);
    expect(() => build({ CLIENT_CACHE_TTL: 'soon' })).toThrow(/CLIENT_CACHE_TTL/);
  });
});
