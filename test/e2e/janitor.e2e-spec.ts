import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { obtainCode, obtainTokens, provision, Provisioned } from '../support/oauth-flow';
import { Db } from '../../src/database/db';
import { JanitorService } from '../../src/janitor/janitor.service';
import { ensureBuilt, startServer } from '../support/server-process';

async function count(t: TestApp, table: string): Promise<number> {
  const [{ n }] = await t.app.get(Db).query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(n);
}

describe.each(DATABASES)('janitor: db:purge (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let janitor: JanitorService;
  let p: Provisioned;

  beforeAll(async () => {
    // Access tokens live 1000 s, refresh tokens 2000 s, codes 60 s; revoked rows stay 100 s; events 1 day.
    t = await startApp(databaseUrl, { ACCESS_TOKEN_TTL: '1000', PURGE_REVOKED_GRACE: '100', AUDIT_RETENTION_DAYS: '1' });
    janitor = t.app.get(JanitorService);
    p = await provision(t, { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] });
  });
  afterAll(() => t.close());

  const setClock = (at: number) => t.clock.advance(at - t.clock.now());

  it('deletes each kind of row when, and only when, nobody can use it any more', async () => {
    const auth = { authorization: basic(p.clientId, p.secret!) };
    const t0 = t.clock.now();
    const cc = async () => ((await (await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, auth)).json()) as { access_token: string }).access_token;
    await cc(); // an access token alone
    const revoked = await cc();
    expect((await postForm(`${t.url}/oauth/revoke`, { token: revoked }, auth)).status).toBe(200);
    const pair = await obtainTokens(t, p); // access + refresh, from a used code
    await obtainCode(t, p); // a code never redeemed
    const rotated = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, auth);
    expect(rotated.status).toBe(200); // pair's row is now rotated (its refresh token retired), a new row carries on
    expect([await count(t, 'oauth2_token'), await count(t, 'oauth2_code')]).toEqual([4, 2]);
    const events = await count(t, 'audit_event');
    expect(events).toBeGreaterThan(5);

    expect((await janitor.purge()).deleted).toMatchObject({ codes: 0, tokens: 0, audit_events: 0 });

    // Revoked more than the grace period ago: gone. Codes: expired (60 s) more than the grace ago: gone.
    setClock(t0 + 161);
    expect((await janitor.purge()).deleted).toMatchObject({ codes: 2, tokens: 1, audit_events: 0 });

    // The lone access token has expired; the rotated row's refresh lifetime (2000 s) still runs.
    setClock(t0 + 1001);
    expect((await janitor.purge()).deleted).toMatchObject({ codes: 0, tokens: 1, audit_events: 0 });
    // The rotated refresh token presented again is still recognised as a replay.
    const replay = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: pair.refresh_token }, auth);
    expect([replay.status, await replay.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'refresh token is invalid' }]);

    // Past the refresh lifetime (and the family, revoked by the replay, past the grace period): gone.
    setClock(t0 + 2001);
    expect((await janitor.purge()).deleted).toMatchObject({ codes: 0, tokens: 2, audit_events: 0 });
    expect(await count(t, 'oauth2_token')).toBe(0);

    setClock(t0 + 86_400 + 2002);
    const last = await janitor.purge();
    expect(last.deleted.audit_events).toBeGreaterThanOrEqual(events);
    expect(await count(t, 'audit_event')).toBe(0);
  });

  it('deletes ended or expired sessions after the grace period, expired pending requests and brute-force counters', async () => {
    const db = t.app.get(Db);
    const now = t.clock.now();
    const userId = p.userId;
    const session = (hash: string, expiresAt: number, endedAt: number | null) =>
      db.execute('INSERT INTO user_session (id_hash, user_id, auth_time, expires_at, ended_at) VALUES (?, ?, ?, ?, ?)', [hash, userId, now - 10, expiresAt, endedAt]);
    await session('a'.repeat(64), now + 3600, now - 101); // ended more than the grace (100 s) ago
    await session('b'.repeat(64), now - 101, null); // expired more than the grace ago
    await session('c'.repeat(64), now + 3600, now - 50); // ended within the grace
    await session('d'.repeat(64), now + 3600, null); // live
    const pending = (hash: string, expiresAt: number) =>
      db.execute('INSERT INTO oauth2_pending_request (key_hash, request_id, user_id, auth_time, expires_at, request) VALUES (?, ?, ?, ?, ?, ?)', [hash, hash.slice(0, 8), userId, now, expiresAt, '{}']);
    await pending('e'.repeat(64), now - 1);
    await pending('f'.repeat(64), now + 600);
    const counter = (hash: string, expiresAt: number) =>
      db.execute('INSERT INTO auth_throttle (key_hash, failures, window_start, locked_until, expires_at) VALUES (?, ?, ?, ?, ?)', [hash, 3, now - 100, 0, expiresAt]);
    await counter('1'.repeat(64), now - 1);
    await counter('2'.repeat(64), now + 600);
    const before = { sessions: await count(t, 'user_session'), pending: await count(t, 'oauth2_pending_request'), counters: await count(t, 'auth_throttle') };

    expect((await janitor.purge()).deleted).toMatchObject({ sessions: 2, pending_requests: 1, throttle_counters: 1 });
    expect(await count(t, 'user_session')).toBe(before.sessions - 2);
    expect(await count(t, 'oauth2_pending_request')).toBe(before.pending - 1);
    expect(await count(t, 'auth_throttle')).toBe(before.counters - 1);
    const left = await db.query<{ id_hash: string }>('SELECT id_hash FROM user_session WHERE id_hash IN (?, ?)', ['c'.repeat(64), 'd'.repeat(64)]);
    expect(left).toHaveLength(2);
  });

  it('walks large tables in batches of 1000 rows', async () => {
    const db = t.app.get(Db);
    const old = t.clock.now() - 10 * 86_400;
    for (let i = 0; i < 25; i++) {
      await db.execute(
        `INSERT INTO audit_event (type, occurred_at, user_id, client_id, ip, detail) VALUES ${Array.from({ length: 100 }, () => '(?, ?, NULL, NULL, NULL, NULL)').join(', ')}`,
        Array.from({ length: 100 }, () => ['token.issued', old]).flat(),
      );
    }
    await db.execute('INSERT INTO audit_event (type, occurred_at, user_id, client_id, ip, detail) VALUES (?, ?, NULL, NULL, NULL, NULL)', ['token.issued', t.clock.now()]);
    expect((await janitor.purge()).deleted.audit_events).toBe(2500);
    expect(await count(t, 'audit_event')).toBe(1);
  });

  it('runs every PURGE_INTERVAL seconds when asked to', async () => {
    const other = await startApp(databaseUrl, { PURGE_INTERVAL: '1' });
    try {
      const j = other.app.get(JanitorService);
      const spy = jest.spyOn(j, 'purge');
      const started = Date.now();
      j.schedule(1);
      while (spy.mock.calls.length === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    } finally {
      await other.close();
    }
  });
});

const SHARED: Array<[string, () => string]> = [
  ['sqlite file', () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'gh-janitor-')), 'db.sqlite')}`],
  ...(process.env.TEST_MYSQL_URL ? [['mysql', () => process.env.TEST_MYSQL_URL!] as [string, () => string]] : []),
];

describe.each(SHARED)('janitor on three instances (%s)', (_name, databaseUrl) => {
  it('with PURGE_INTERVAL on every instance, purges on one at a time, once per interval (the lease)', async () => {
    const a = await startApp(databaseUrl());
    const others = [await startAnotherInstance(a), await startAnotherInstance(a)];
    const spans: Array<{ instance: number; start: number; end: number }> = [];
    try {
      const janitors = [a, ...others].map((t) => t.app.get(JanitorService));
      janitors.forEach((j, instance) => {
        const purge = j.purge.bind(j);
        jest.spyOn(j, 'purge').mockImplementation(async () => {
          const start = Date.now();
          try {
            // A purge that takes a while, as on a large table.
            await new Promise((r) => setTimeout(r, 300));
            return await purge();
          } finally {
            spans.push({ instance, start, end: Date.now() });
          }
        });
        j.schedule(1);
      });
      await new Promise((r) => setTimeout(r, 3600));
    } finally {
      for (const t of others) await t.close();
      await a.close();
    }
    spans.sort((x, y) => x.start - y.start);
    console.log(`janitor on three instances (${_name}): ${spans.length} purges in 3.6 s by instances ${spans.map((s) => s.instance).join(',')}`);
    // Without the lease each instance would purge every second (about 9, overlapping).
    expect(spans.length).toBeGreaterThanOrEqual(2);
    expect(spans.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBeGreaterThanOrEqual(spans[i - 1].end);
  }, 30_000);
});

describe('npm run cli -- db:purge (built CLI, sqlite file)', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('prints what it deleted as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-purge-'));
    const databaseUrl = `sqlite:${join(dir, 'g.sqlite')}`;
    // The schema comes from a server start; then one stale event.
    const server = await startServer({ DATABASE_URL: databaseUrl }, dir);
    server.proc.kill('SIGTERM');
    await server.exited;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): { run(...p: unknown[]): unknown }; close(): void };
    const sqlite = new Database(join(dir, 'g.sqlite'));
    sqlite.prepare("INSERT INTO audit_event (type, occurred_at) VALUES ('user.created', 1000)").run();
    sqlite.close();
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(__dirname, '../../dist/src/cli.js'), 'db:purge'], { cwd: dir, env: { PATH: process.env.PATH, NODE_ENV: 'test', DATABASE_URL: databaseUrl } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      deleted: { codes: 0, tokens: 0, sessions: 0, pending_requests: 0, device_codes: 0, pushed_requests: 0, used_jtis: 0, throttle_counters: 0, audit_events: 1, idle_self_registered_clients: 0 },
      ms: expect.any(Number),
    });
  });
});
