import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { clientFactory } from '../factories/client.factory';
import { basic, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { Db } from '../../src/database/db';
import { SigningKeysService } from '../../src/keys/signing-keys.service';
import { AuditService } from '../../src/audit/audit.service';

const OVERLAP = 60;
const ID_TOKEN_TTL = 300;
const ACCESS_TOKEN_TTL = 600;

describe.each(DATABASES)('signing keys and rotation (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startApp(databaseUrl, { KEY_ROTATION_OVERLAP: String(OVERLAP), ID_TOKEN_TTL: String(ID_TOKEN_TTL), ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL) });
  });
  afterEach(() => t.close());

  const keys = async () => {
    const res = await adminRequest(t, 'GET', '/admin/keys');
    expect(res.status).toBe(200);
    return res.body as { data: Array<Record<string, any>>; total: number };
  };
  const jwks = async () => {
    const res = await fetch(`${t.url}/oauth/jwks`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { keys: Array<Record<string, string>> }).keys.map((k) => k.kid).sort();
  };

  it('generates one active RS256 and one active ES256 key on first start, listed without private material', async () => {
    const list = await keys();
    expect(list.total).toBe(2);
    expect(list.data.map((k) => [k.alg, k.state])).toEqual([
      ['RS256', 'active'],
      ['ES256', 'active'],
    ]);
    for (const k of list.data) {
      expect(Object.keys(k).sort()).toEqual(['activates_at', 'alg', 'created_at', 'expires_at', 'kid', 'retired_at', 'state']);
      expect(k.kid).toMatch(/^[\w-]{43}$/);
      expect(k.retired_at).toBeNull();
    }
  });

  it('stores the private key encrypted, never as PEM or a JWK with "d"', async () => {
    const rows = await t.app.get(Db).query<{ private_key: string; public_jwk: string }>('SELECT private_key, public_jwk FROM signing_key');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.private_key).toMatch(/^v1\./);
      expect(row.private_key).not.toContain('PRIVATE KEY');
      expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d');
    }
  });

  it('refuses the key endpoints without the admin key', async () => {
    expect((await fetch(`${t.url}/admin/keys`)).status).toBe(401);
    expect((await fetch(`${t.url}/admin/keys/rotate`, { method: 'POST' })).status).toBe(401);
    expect((await keys()).total).toBe(2);
  });

  it('rotates with overlap: the new key is published at once, signs after the overlap, the old one stays published until its tokens expired', async () => {
    const before = await keys();
    const oldKids = before.data.map((k) => k.kid).sort();
    const rotated = await adminRequest(t, 'POST', '/admin/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.total).toBe(4);
    const now = t.clock.now();
    const states = Object.fromEntries(rotated.body.data.map((k: any) => [k.kid, k]));
    for (const kid of oldKids) {
      expect(states[kid]).toMatchObject({ state: 'active', retired_at: now + OVERLAP, expires_at: now + OVERLAP + ACCESS_TOKEN_TTL });
    }
    const newKids = Object.keys(states).filter((k) => !oldKids.includes(k)).sort();
    for (const kid of newKids) expect(states[kid]).toMatchObject({ state: 'pending', activates_at: now + OVERLAP, retired_at: null });
    expect(await jwks()).toEqual([...oldKids, ...newKids].sort());
    await t.app.get(AuditService).flush();
    const events = await adminRequest(t, 'GET', '/admin/events?type=keys.rotated');
    expect(events.body.data).toEqual([expect.objectContaining({ type: 'keys.rotated', ip: '127.0.0.1', detail: { kids: expect.any(String), signs_from: now + OVERLAP } })]);
    expect(events.body.data[0].detail.kids.split(' ').sort()).toEqual(newKids);

    t.clock.advance(OVERLAP);
    const switched = Object.fromEntries((await keys()).data.map((k) => [k.kid, k.state]));
    for (const kid of oldKids) expect(switched[kid]).toBe('retired');
    for (const kid of newKids) expect(switched[kid]).toBe('active');
    expect(await jwks()).toEqual([...oldKids, ...newKids].sort());

    t.clock.advance(ACCESS_TOKEN_TTL - 1);
    expect(await jwks()).toEqual([...oldKids, ...newKids].sort());
    t.clock.advance(1);
    expect(await jwks()).toEqual(newKids);
    const expired = Object.fromEntries((await keys()).data.map((k) => [k.kid, k.state]));
    for (const kid of oldKids) expect(expired[kid]).toBe('expired');
  });

  it('a second rotation during the overlap retires the pending keys too: one key per algorithm signs', async () => {
    await adminRequest(t, 'POST', '/admin/keys/rotate');
    const second = await adminRequest(t, 'POST', '/admin/keys/rotate');
    expect(second.body.total).toBe(6);
    t.clock.advance(OVERLAP);
    const active = (await keys()).data.filter((k) => k.state === 'active');
    expect(active.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  });
});

describe('signing keys shared by instances (sqlite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two instances on one database sign with the same keys, and creating keys at the same moment leaves one per algorithm', async () => {
    const url = `sqlite:${join(dir, 'shared.sqlite')}`;
    const a = await startApp(url);
    const b = await startApp(url);
    // Each test app has its own fixed clock; instances share (roughly) one time.
    a.clock.advance(b.clock.now() - a.clock.now());
    try {
      const [ka, kb] = await Promise.all([adminRequest(a, 'GET', '/admin/keys'), adminRequest(b, 'GET', '/admin/keys')]);
      expect(ka.body.total).toBe(2);
      expect(kb.body).toEqual(ka.body);
      expect((await b.app.get(SigningKeysService).signingKey('RS256')).kid).toBe((await a.app.get(SigningKeysService).signingKey('RS256')).kid);

      // Both instances find no key and create one concurrently: the unique (alg, generation) lets one win.
      await a.app.get(Db).execute('DELETE FROM signing_key', []);
      await Promise.all([a.app.get(SigningKeysService).ensureKeys(), b.app.get(SigningKeysService).ensureKeys()]);
      const after = await adminRequest(a, 'GET', '/admin/keys');
      expect(after.body.total).toBe(2);
      const [ra, rb] = await Promise.all([a.app.get(SigningKeysService).signingKey('ES256'), b.app.get(SigningKeysService).signingKey('ES256')]);
      expect(rb.kid).toBe(ra.kid);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses to start on keys stored under another KEY_ENCRYPTION_SECRET', async () => {
    const url = `sqlite:${join(dir, 'secret.sqlite')}`;
    const a = await startApp(url, { KEY_ENCRYPTION_SECRET: 'first-secret-0123456789abcdef0123456789' });
    await a.close();
    await expect(startApp(url, { KEY_ENCRYPTION_SECRET: 'other-secret-0123456789abcdef0123456789' })).rejects.toThrow(
      /^signing keys \S+, \S+ cannot be decrypted with the KEY_ENCRYPTION_SECRET in use \(from the environment\)/,
    );
  });

  it('a key made by another instance under another secret: 503 temporarily_unavailable and /health/ready fails, never a 500', async () => {
    const url = `sqlite:${join(dir, 'cluster-secret.sqlite')}`;
    const a = await startApp(url, { KEY_ENCRYPTION_SECRET: 'first-secret-0123456789abcdef0123456789' });
    const b = await startAnotherInstance(a, { KEY_ENCRYPTION_SECRET: 'first-secret-0123456789abcdef0123456789' });
    const c = await startAnotherInstance(a, { KEY_ENCRYPTION_SECRET: 'other-secret-0123456789abcdef0123456789' }).catch((err: Error) => err);
    expect(c).toBeInstanceOf(Error);
    try {
      const { client, secret } = await clientFactory.create(a, { grant_types: ['client_credentials'], access_token_format: 'jwt' } as never);
      const request = (t: TestApp) => postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, secret!) });
      expect((await request(b)).status).toBe(200);
      // The keys are replaced by ones an instance made under a secret b does not have.
      await a.app.get(Db).execute('DELETE FROM signing_key', []);
      const other = await startAnotherInstance(a, { KEY_ENCRYPTION_SECRET: 'third-secret-0123456789abcdef0123456789' });
      await other.close();
      b.clock.advance(60);
      const refused = await request(b);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(await refused.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the server cannot sign tokens right now; retry after 30 seconds' });
      const ready = await fetch(`${b.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', signing_keys: 'undecryptable' });
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('keys:rotate and keys:list (operator CLI, sqlite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'npx',
        ['ts-node', '--transpile-only', 'src/cli.ts', ...args],
        {
          cwd: join(__dirname, '../..'),
          env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, KEY_ROTATION_OVERLAP: '120', COOKIE_SECRET: 'cli-cookie-secret-0123456789abcdef0123456789', ADMIN_API_KEY: '' },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('lists the generated keys, then rotates: new keys pending, the old ones active until the overlap ends', async () => {
    const listed = await cli('keys:list');
    expect(listed.code).toBe(0);
    const before = JSON.parse(listed.stdout);
    expect(before.data.map((k: any) => [k.alg, k.state])).toEqual([
      ['RS256', 'active'],
      ['ES256', 'active'],
    ]);
    const rotated = await cli('keys:rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('sign after KEY_ROTATION_OVERLAP seconds');
    const after = JSON.parse(rotated.stdout);
    expect(after.total).toBe(4);
    expect(after.data.filter((k: any) => k.state === 'pending').map((k: any) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const old of before.data) {
      const row = after.data.find((k: any) => k.kid === old.kid);
      expect(row.state).toBe('active');
      expect(row.retired_at - row.created_at).toBeGreaterThanOrEqual(120);
      expect(JSON.stringify(row)).not.toMatch(/private|"d"/);
    }
  }, 120_000);
});
