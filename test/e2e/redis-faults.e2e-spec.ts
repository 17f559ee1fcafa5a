/**
 * Redis with deadlines, on a private redis-server the test stops and pauses (SIGSTOP: sockets open,
 * no answers). Two instances share the database and Redis: a client secret rotated on one is
 * refused on the other as soon as the rotation is answered, whether Redis is healthy, hung or
 * stopped; no call waits past its deadline; readiness says when Redis cannot be reached; ioredis
 * errors are JSON log lines, one per connection per outage.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';
import { SILENT_MS } from '../../src/clients/client-cache';

const REDIS_PORT = 13310;
/** Any call's deadline here: the Redis command timeout (500 ms) or the invalidation wait (SILENT_MS), plus a loaded machine's slack. */
const DEADLINE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capture(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
}

function ping(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(REDIS_PORT, '127.0.0.1');
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
  });
}

async function startRedis(): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await ping()); i++) await sleep(50);
  return proc;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await work();
  return { ms: Date.now() - started, value };
}

describe('Redis stopped and hung (private redis-server)', () => {
  let redis: ChildProcess;
  let dir: string;
  let a: TestApp;
  let b: TestApp;
  let guarded: TestApp;
  const log = capture();
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'gh-redis-'));
    const env = { REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, REDIS_PREFIX: `gh-faults-${process.pid}:`, LOG_LEVEL: 'warn' };
    a = await startApp(`sqlite:${join(dir, 'db.sqlite')}`, env, { logDestination: log });
    b = await startAnotherInstance(a, env, { logDestination: log });
    // The failed-attempt counters live in Redis on this one.
    guarded = await startAnotherInstance(a, { ...env, THROTTLE_ENABLED: 'true', PASSWORD_GRANT_ENABLED: 'true' }, { logDestination: log });
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void consoleErrors.push(args.map(String).join(' ')));
    // Let the heartbeats come back once.
    await sleep(SILENT_MS);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    if (redis.exitCode === null) redis.kill('SIGCONT');
    await guarded?.close();
    await b?.close();
    await a?.close();
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function serviceClient(): Promise<{ clientId: string; secret: string }> {
    const { client, secret } = await clientFactory.create(a, { grant_types: ['client_credentials', 'password'], redirect_uris: [] });
    return { clientId: client.client_id, secret: secret! };
  }
  const token = (t: TestApp, clientId: string, secret: string) => postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });

  /** Warms `b`'s cache with the current secret, rotates on `a`, and tries the old secret on `b` at once. */
  async function rotateAndTryOld(clientId: string, secret: string): Promise<{ rotateMs: number; rotateStatus: number; newSecret: string; oldOnB: number; newOnB: number }> {
    const rotated = await timed(() => adminRequest(a, 'POST', `/admin/clients/${clientId}/secret`));
    const oldOnB = (await token(b, clientId, secret)).status;
    const newSecret = rotated.value.body?.client_secret as string;
    const newOnB = newSecret ? (await token(b, clientId, newSecret)).status : 0;
    return { rotateMs: rotated.ms, rotateStatus: rotated.value.status, newSecret, oldOnB, newOnB };
  }

  it('healthy: the old secret is refused on the other instance as soon as the rotation is answered', async () => {
    let { clientId, secret } = await serviceClient();
    const accepted: number[] = [];
    const rotateMs: number[] = [];
    for (let i = 0; i < 100; i++) {
      expect((await token(b, clientId, secret)).status).toBe(200);
      const r = await rotateAndTryOld(clientId, secret);
      expect(r.rotateStatus).toBe(200);
      if (r.oldOnB !== 401) accepted.push(i);
      expect(r.newOnB).toBe(200);
      rotateMs.push(r.rotateMs);
      secret = r.newSecret;
    }
    rotateMs.sort((x, y) => x - y);
    console.log(`Redis healthy: 100 rotations, old secret accepted on the other instance ${accepted.length} times; rotate answered in median ${rotateMs[50]} ms, max ${rotateMs[99]} ms`);
    expect(accepted).toEqual([]);
  }, 60_000);

  it('hung (SIGSTOP): rotation refused everywhere once answered, every call answered within its deadline, readiness 503; back to ready after SIGCONT', async () => {
    const { clientId, secret } = await serviceClient();
    const { user, password } = await userFactory.create(a);
    expect((await token(b, clientId, secret)).status).toBe(200);
    redis.kill('SIGSTOP');
    try {
      const r = await rotateAndTryOld(clientId, secret);
      const grant = await timed(() => postForm(`${guarded.url}/oauth/token`, { grant_type: 'password', username: user.username, password }, { authorization: basic(clientId, r.newSecret) }));
      const wrong = await timed(() => token(guarded, clientId, 'not-the-secret'));
      const ready = await timed(() => fetch(`${a.url}/health/ready`));
      const readyBody = await ready.value.json();
      console.log(
        `Redis hung: rotate ${r.rotateStatus} in ${r.rotateMs} ms, old secret on the other instance ${r.oldOnB}, new ${r.newOnB}; ` +
          `password grant ${grant.value.status} in ${grant.ms} ms, wrong secret ${wrong.value.status} in ${wrong.ms} ms, ready ${ready.value.status} in ${ready.ms} ms`,
      );
      expect({ rotate: r.rotateStatus, oldOnB: r.oldOnB, newOnB: r.newOnB }).toEqual({ rotate: 200, oldOnB: 401, newOnB: 200 });
      expect(r.rotateMs).toBeLessThan(DEADLINE_MS);
      expect([grant.value.status, wrong.value.status]).toEqual([503, 503]);
      expect(Number(grant.value.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await grant.value.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      expect(Math.max(grant.ms, wrong.ms, ready.ms)).toBeLessThan(DEADLINE_MS);
      expect(ready.value.status).toBe(503);
      expect(readyBody).toMatchObject({ redis: 'down' });
    } finally {
      redis.kill('SIGCONT');
    }
    let readyAgain = 0;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && readyAgain !== 200; await sleep(200)) readyAgain = (await fetch(`${a.url}/health/ready`)).status;
    expect(readyAgain).toBe(200);
  }, 60_000);

  it('stopped: the same within the deadlines, one JSON log line per connection, nothing on stderr; back once it restarts', async () => {
    const { clientId, secret } = await serviceClient();
    const { user, password } = await userFactory.create(a);
    expect((await token(b, clientId, secret)).status).toBe(200);
    log.lines.splice(0);
    redis.kill('SIGTERM');
    await new Promise((resolve) => (redis.exitCode !== null ? resolve(undefined) : redis.once('exit', resolve)));
    // A few reconnect attempts' worth of errors.
    await sleep(1500);
    const r = await rotateAndTryOld(clientId, secret);
    const grant = await timed(() => postForm(`${guarded.url}/oauth/token`, { grant_type: 'password', username: user.username, password }, { authorization: basic(clientId, r.newSecret) }));
    const ready = await timed(() => fetch(`${a.url}/health/ready`));
    console.log(`Redis stopped: rotate ${r.rotateStatus} in ${r.rotateMs} ms, old secret on the other instance ${r.oldOnB}, new ${r.newOnB}; password grant ${grant.value.status} in ${grant.ms} ms, ready ${ready.value.status}`);
    expect({ rotate: r.rotateStatus, oldOnB: r.oldOnB, newOnB: r.newOnB, grant: grant.value.status, ready: ready.value.status }).toEqual({ rotate: 200, oldOnB: 401, newOnB: 200, grant: 503, ready: 503 });
    expect(Math.max(r.rotateMs, grant.ms, ready.ms)).toBeLessThan(DEADLINE_MS);

    const lines = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const unreachable = lines.filter((l) => String(l.msg).startsWith('Redis unreachable'));
    // Three instances, two connections each: at most one line per connection, whatever the retries.
    expect(unreachable.length).toBeGreaterThan(0);
    expect(unreachable.length).toBeLessThanOrEqual(6);
    expect(consoleErrors.filter((l) => l.includes('ioredis'))).toEqual([]);

    redis = await startRedis();
    let readyAgain = 0;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && readyAgain !== 200; await sleep(200)) readyAgain = (await fetch(`${a.url}/health/ready`)).status;
    expect(readyAgain).toBe(200);
  }, 60_000);
});
