/**
 * SQLite that cannot write: a token is answered 200 only once its row is in the file. On a volume
 * that fills up under load, and on a database file that is read-only, every write that fails
 * answers 503 temporarily_unavailable with Retry-After (never a 500), readiness is 503 until a
 * write succeeds again, and after a restart every token answered 200 is in the file.
 *
 * The full volume is a small tmpfs the test mounts, the read-only file a read-only bind mount:
 * both need root. Not root, the suite is skipped here with that reason (in CI it fails instead).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, TestApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { clientFactory } from '../factories/client.factory';
import { AdminProvisioned, obtainTokens, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';
import { sha256 } from '../../src/common/crypto';

const root = process.getuid?.() === 0;
const suite = root || process.env.CI === 'true' ? describe : describe.skip;
if (!root && process.env.CI !== 'true') console.log('SQLite durability e2e skipped: mounting a small tmpfs and a read-only bind mount needs root');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capture(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
}

/** Token rows present in the file, opened afresh as a restarted server would. */
function storedAccessTokenHashes(path: string): Set<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (path: string, options: { readonly: boolean }) => { prepare(sql: string): { all(): unknown[] }; close(): void };
  const db = new Database(path, { readonly: true });
  try {
    return new Set((db.prepare('SELECT access_token_hash AS h FROM oauth2_token').all() as Array<{ h: string }>).map((r) => r.h));
  } finally {
    db.close();
  }
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  body: any;
}

function expectOnly200Or503(outcomes: Outcome[]): void {
  expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503).map((o) => `${o.status} ${JSON.stringify(o.body)}`)).toEqual([]);
  for (const o of outcomes.filter((x) => x.status === 503)) {
    expect(o.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/retry after \d+ seconds/) });
    expect(Number(o.retryAfter)).toBeGreaterThan(0);
  }
}

function expectNoStack(lines: string[]): void {
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(parsed.filter((l) => l.stack !== undefined || /\n\s+at /.test(String(l.msg))).map((l) => l.msg)).toEqual([]);
}

suite('SQLite on a full volume and on a read-only file', () => {
  it('a volume that fills under load: 503 + Retry-After while full, ready 503 until a write succeeds, every 200 in the file after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir]);
    const log = capture();
    let t: TestApp | undefined;
    try {
      // Room the test gives back after the volume has filled.
      const ballast = join(dir, 'ballast');
      const fd = openSync(ballast, 'w');
      writeSync(fd, Buffer.alloc(768 * 1024, 1));
      closeSync(fd);
      const path = join(dir, 'gatehouse.sqlite');
      t = await startApp(`sqlite:${path}`, { LOG_LEVEL: 'info' }, { logDestination: log });
      const app = t;
      const { client, secret } = await clientFactory.create(app, { grant_types: ['client_credentials'], redirect_uris: [] });
      const authorization = basic(client.client_id, secret!);
      const p: AdminProvisioned = await provisionThroughAdmin(app);
      const chains: string[] = await Promise.all(Array.from({ length: 6 }, async () => (await obtainTokens(app, p)).refresh_token as string));

      const answered: string[] = [];
      const outcomes: Outcome[] = [];
      let stop = false;
      let firstRefusal = 0;
      const record = (res: { status: number; headers: Headers; body: any }) => {
        outcomes.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body });
        if (res.status === 200) answered.push(res.body.access_token);
        else if (!firstRefusal) firstRefusal = Date.now();
      };
      const issueWorker = async () => {
        while (!stop) {
          const res = await postForm(`${app.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });
          record({ status: res.status, headers: res.headers, body: await res.json() });
          if (res.status !== 200) await sleep(20);
        }
      };
      const refreshWorker = async (index: number) => {
        while (!stop) {
          const res = await tokenRequest(app, p, { grant_type: 'refresh_token', refresh_token: chains[index] });
          record(res);
          // A refused rotation was rolled back: the same refresh token must still work.
          if (res.status === 200) chains[index] = res.body.refresh_token;
          else await sleep(20);
        }
      };
      // Readiness, as a balancer polls it.
      const readiness: Array<{ status: number; writes: string }> = [];
      const poller = (async () => {
        while (!stop) {
          const res = await fetch(`${app.url}/health/ready`);
          readiness.push({ status: res.status, writes: ((await res.json()) as { writes: string }).writes });
          await sleep(100);
        }
      })();
      const load = Promise.all([...Array.from({ length: 6 }, issueWorker), ...chains.map((_, i) => refreshWorker(i)), poller]);
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && !(firstRefusal && Date.now() - firstRefusal > 2000); ) await sleep(100);
      stop = true;
      await load;
      expect(firstRefusal).toBeGreaterThan(0);

      // Room again: readiness recovers through its write probe, and tokens are answered again.
      rmSync(ballast);
      let readyAgain = 0;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && readyAgain !== 200; await sleep(200)) readyAgain = (await fetch(`${app.url}/health/ready`)).status;
      const after = await postForm(`${app.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });
      record({ status: after.status, headers: after.headers, body: await after.json() });
      const refreshed = await tokenRequest(app, p, { grant_type: 'refresh_token', refresh_token: chains[0] });
      record(refreshed);

      await app.close();
      t = undefined;
      const stored = storedAccessTokenHashes(path);
      const missing = answered.filter((token) => !stored.has(sha256(token)));
      const statuses = outcomes.reduce<Record<number, number>>((acc, o) => ((acc[o.status] = (acc[o.status] ?? 0) + 1), acc), {});
      console.log(`SQLite full volume: ${JSON.stringify(statuses)}; ${answered.length} answered 200, ${missing.length} missing after restart; readiness while full ${JSON.stringify(readiness.reduce<Record<string, number>>((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {}))}, after ${readyAgain}`);

      expectOnly200Or503(outcomes);
      expect(statuses[503]).toBeGreaterThan(0);
      expect(readiness).toContainEqual({ status: 503, writes: 'failing' });
      expect(readyAgain).toBe(200);
      expect([after.status, refreshed.status]).toEqual([200, 200]);
      expect(missing).toEqual([]);
      expectNoStack(log.lines);
      const outageLines = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('database unavailable'));
      expect(outageLines.length).toBeLessThanOrEqual(2);
    } finally {
      await t?.close().catch(() => undefined);
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a read-only database file: ready 503 and writes 503 + Retry-After, never a 500; writable again, both recover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ro-'));
    const path = join(dir, 'gatehouse.sqlite');
    const log = capture();
    let t: TestApp | undefined;
    let boundReadOnly = false;
    try {
      t = await startApp(`sqlite:${path}`);
      const first = t;
      const { client, secret } = await clientFactory.create(first, { grant_types: ['client_credentials'], redirect_uris: [] });
      const authorization = basic(client.client_id, secret!);
      const before = await postForm(`${first.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });
      expect(before.status).toBe(200);
      const token = ((await before.json()) as { access_token: string }).access_token;
      await first.close();

      // Root writes through file modes; a read-only bind mount of the file stops it too.
      if (root) {
        execFileSync('mount', ['--bind', path, path]);
        boundReadOnly = true;
        execFileSync('mount', ['-o', 'remount,ro,bind', path]);
      } else chmodSync(path, 0o444);

      t = await startApp(`sqlite:${path}`, { LOG_LEVEL: 'info' }, { logDestination: log });
      const second = t;
      const ready = await fetch(`${second.url}/health/ready`);
      const outcomes: Outcome[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await postForm(`${second.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });
        outcomes.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() });
      }
      // Reading still works: the token issued before is active.
      const introspected = await postForm(`${second.url}/oauth/introspect`, { token }, { authorization });

      // The connection the server opened read-only is reopened once the file is writable again.
      if (root) execFileSync('mount', ['-o', 'remount,rw,bind', path]);
      else chmodSync(path, 0o644);
      let readyAgain = 0;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && readyAgain !== 200; await sleep(200)) readyAgain = (await fetch(`${second.url}/health/ready`)).status;
      const after = await postForm(`${second.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });

      console.log(`SQLite read-only file: ready ${ready.status}, token requests ${JSON.stringify(outcomes.map((o) => o.status))}, writable again: ready ${readyAgain}, token ${after.status}`);
      expect(ready.status).toBe(503);
      expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill(503));
      expectOnly200Or503(outcomes);
      expect(introspected.status).toBe(200);
      expect(await introspected.json()).toMatchObject({ active: true });
      expect(readyAgain).toBe(200);
      expect(after.status).toBe(200);
      expectNoStack(log.lines);
    } finally {
      await t?.close().catch(() => undefined);
      if (boundReadOnly) execFileSync('umount', ['-l', path]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
