import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, ensureBuilt, runServer, startServer } from '../support/server-process';
import { obtainIdToken, registerRelyingParty, verifyIdToken } from '../support/relying-party';
import { freePort } from '../support/http';

const ROOT = join(__dirname, '../..');

/** Nothing set by the operator: what a fresh clone's `npm start` and `npm run cli` get. */
const UNSET = { ADMIN_API_KEY: '', COOKIE_SECRET: '', KEY_ENCRYPTION_SECRET: '' };

async function stop(server: ServerProcess): Promise<void> {
  server.proc.kill('SIGTERM');
  await server.exited;
}

/** `node dist/src/cli.js …` in `cwd` with this environment (nothing else from the test's). */
function cli(env: Record<string, string>, cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'dist/src/cli.js'), ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const adminKeyOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'gatehouse-secrets.json'), 'utf8')) as { admin_api_key: string }).admin_api_key;

describe('signing keys across restarts (no secrets set, sqlite file)', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-restart-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(() => ensureBuilt(), 180_000);
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('server, CLI, server again: the generated secrets are kept beside the database (0600) and ID tokens keep verifying', async () => {
    const dir = fresh();
    const env = { ...UNSET, DATABASE_URL: `sqlite:${join(dir, 'data', 'gh.sqlite')}`, PORT: String(await freePort()) };
    let server = await startServer(env, dir);
    const secrets = join(dir, 'data', 'gatehouse-secrets.json');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    const adminKey = adminKeyOf(join(dir, 'data'));
    expect(server.stdout.join('\n')).toContain(`using the generated one kept in ${join(dir, 'data', 'gatehouse-secrets.json')}: ${adminKey}`);
    const rp = await registerRelyingParty(server.url, adminKey);
    const first = await obtainIdToken(server.url, rp);
    await stop(server);

    const listed = await cli(env, dir, 'keys:list');
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(listed.stdout).data.filter((k: { state: string }) => k.state === 'active').map((k: { kid: string }) => k.kid)).toContain(first.kid);

    server = await startServer(env, dir);
    try {
      // The same admin key, the same signing key, and the token issued before the restart still verifies.
      const second = await obtainIdToken(server.url, rp);
      expect(second.kid).toBe(first.kid);
      await verifyIdToken(server.url, first.idToken, rp.clientId);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    } finally {
      await stop(server);
    }
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
  }, 120_000);

  it('CLI first, then the server: both use the keys and secrets the CLI made', async () => {
    const dir = fresh();
    const env = { ...UNSET, DATABASE_URL: `sqlite:${join(dir, 'gh.sqlite')}`, PORT: String(await freePort()) };
    const listed = await cli(env, dir, 'keys:list');
    expect(listed.code).toBe(0);
    const rs256 = JSON.parse(listed.stdout).data.find((k: { alg: string }) => k.alg === 'RS256').kid as string;
    expect(existsSync(join(dir, 'gatehouse-secrets.json'))).toBe(true);

    const server = await startServer(env, dir);
    try {
      const rp = await registerRelyingParty(server.url, adminKeyOf(dir));
      expect((await obtainIdToken(server.url, rp)).kid).toBe(rs256);
    } finally {
      await stop(server);
    }
  }, 120_000);

  it('moving to an explicit KEY_ENCRYPTION_SECRET re-encrypts the keys; a key under an unknown secret stops the start, naming cause and fix', async () => {
    const dir = fresh();
    const env = { ...UNSET, DATABASE_URL: `sqlite:${join(dir, 'gh.sqlite')}`, PORT: String(await freePort()) };
    let server = await startServer(env, dir);
    const rp = await registerRelyingParty(server.url, adminKeyOf(dir));
    const before = await obtainIdToken(server.url, rp);
    await stop(server);

    // The operator sets a secret of their own: the keys move under it at start.
    const explicit = { ...env, KEY_ENCRYPTION_SECRET: 'explicit-secret-0123456789abcdef0123456789' };
    server = await startServer(explicit, dir);
    try {
      expect(server.stdout.join('\n')).toContain('re-encrypted signing key');
      expect((await obtainIdToken(server.url, rp)).kid).toBe(before.kid);
    } finally {
      await stop(server);
    }
    // Without the file the explicit secret alone opens them now.
    rmSync(join(dir, 'gatehouse-secrets.json'));
    server = await startServer({ ...explicit, ADMIN_API_KEY: 'test-admin-key-0123456789abcdef', COOKIE_SECRET: 'c'.repeat(32) }, dir);
    await stop(server);

    // Another secret, and none that opens them: exit 1 with one line, nothing listening.
    const started = Date.now();
    const failed = runServer({ ...explicit, KEY_ENCRYPTION_SECRET: 'another-secret-0123456789abcdef0123456789' }, dir);
    const code = await failed.exited;
    await new Promise((r) => setTimeout(r, 50));
    expect(code).toBe(1);
    const lines = failed.stderr.filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^gatehouse: failed to start: signing keys \S+, \S+ cannot be decrypted with the KEY_ENCRYPTION_SECRET in use \(from the environment\): they were encrypted under another secret\. Set KEY_ENCRYPTION_SECRET to the secret they were made with/,
    );
    expect(lines[0]).toContain('KEY_ENCRYPTION_SECRET_PREVIOUS');
    expect(lines[0]).not.toContain('another-secret');
    expect(failed.stdout.join('\n')).not.toContain('listening on');
    expect(Date.now() - started).toBeLessThan(60_000);

    // KEY_ENCRYPTION_SECRET_PREVIOUS names the old one: the start re-encrypts and goes on.
    server = await startServer({ ...explicit, KEY_ENCRYPTION_SECRET: 'another-secret-0123456789abcdef0123456789', KEY_ENCRYPTION_SECRET_PREVIOUS: explicit.KEY_ENCRYPTION_SECRET }, dir);
    try {
      expect((await obtainIdToken(server.url, rp)).kid).toBe(before.kid);
    } finally {
      await stop(server);
    }
  }, 180_000);
});
