import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/common/crypto';

// better-sqlite3 ships no type declarations; this is the little the suite reads and writes with.
type Sqlite = { prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): unknown }; close(): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean }) => Sqlite;

const ROOT = join(__dirname, '../..');
/** An id as clients registered before ids were kept from starting with "-" may have one. */
const DASH_ID = '-legacyClientId0123456789abcdefgh';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator CLI as `npm run cli` runs it (built, from dist/), on a SQLite file of its own. */
describe('operator CLI (sqlite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const file = join(dir, 'cli.sqlite');
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: `sqlite:${file}`, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ADMIN_API_KEY: '' };
  // What `npm run cli`'s precli step does: build dist/ when it is older than the sources.
  beforeAll(() => execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], { cwd: ROOT, timeout: 280_000 }), 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `command args…` with `input` on stdin (the CLI reads passwords there when it is not a terminal). */
  const run = (command: string, args: string[], input = '') =>
    new Promise<Result>((resolve) => {
      const child = execFile(command, args, { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input);
    });
  const cli = (...args: string[]) => run(process.execPath, ['dist/src/cli.js', ...args]);
  const cliWithStdin = (input: string, ...args: string[]) => run(process.execPath, ['dist/src/cli.js', ...args], input);

  const write = (sql: string, ...params: unknown[]) => {
    const db = new Database(file, { readonly: false });
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };

  const expectRefusal = (result: Result, line: string) => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`gatehouse: ${line}\n`);
  };

  const row = <T>(sql: string, ...params: unknown[]): T => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).get(...params) as T;
    } finally {
      db.close();
    }
  };

  it('prints help and exits 0', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run cli -- <command> [options]');
    for (const command of ['user:create', 'user:list', 'user:set-password', 'user:delete', 'client:create', 'client:rotate-secret', 'client:vet', 'client:delete', 'client:list', 'token:revoke']) {
      expect(result.stdout).toContain(command);
    }
  }, 60_000);

  it('creates a user with the password from stdin, stored as an argon2id hash', async () => {
    const result = await cliWithStdin('cli password 1\n', 'user:create', '--username', 'operator', '--email', 'op@example.com');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const user = JSON.parse(result.stdout);
    expect(user).toEqual({ id: 1, username: 'operator', email: 'op@example.com', created_at: expect.any(Number) });
    const stored = row<{ password_hash: string }>('SELECT password_hash FROM "user" WHERE id = ?', user.id);
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);

    const list = await cli('user:list');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ data: [user], total: 1 });
  }, 60_000);

  it('refuses a duplicate username with exit 1', async () => {
    expectRefusal(await cliWithStdin('another password\n', 'user:create', '--username', 'operator'), '--username (username): is already taken');
  }, 60_000);

  it('never takes a password from the command line', async () => {
    expectRefusal(await cli('user:create', '--username', 'argv', '--password', 'password on argv'), 'unknown option --password for user:create (see --help)');
    expectRefusal(await cli('user:create', '--username', 'argv'), 'missing password: type it at the prompt, or pipe it on stdin (see --help)');
  }, 60_000);

  it('deletes a user by id, and refuses an unknown or malformed id', async () => {
    const created = JSON.parse((await cliWithStdin('to be deleted\n', 'user:create', '--username', 'leaving')).stdout);
    const deleted = await cli('user:delete', String(created.id));
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: created.id, deleted: true });
    expect(row('SELECT id FROM "user" WHERE id = ?', created.id)).toBeUndefined();
    expectRefusal(await cli('user:delete', String(created.id)), `id: no user ${created.id}`);
    expectRefusal(await cli('user:delete', 'abc'), 'id: must be an integer number');
  }, 60_000);

  it('creates a client, prints its secret once, and rotates it', async () => {
    const result = await cli(
      'client:create', '--name', 'CLI app', '--redirect-uri', 'https://app.example.com/cb', '--redirect-uri', 'http://127.0.0.1/cb',
      '--grant-types', 'authorization_code,refresh_token', '--scope', 'profile email', '--skip-consent',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('The client_secret is shown only this once: store it now.\n');
    const client = JSON.parse(result.stdout);
    expect(client).toMatchObject({
      client_name: 'CLI app',
      redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'profile email',
      token_endpoint_auth_method: 'client_secret_post', // the CLI's default, as the console's
      skip_consent: true,
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(row<{ client_secret_hash: string }>('SELECT client_secret_hash FROM oauth2_client WHERE client_id = ?', client.client_id).client_secret_hash).toBe(
      sha256(client.client_secret),
    );

    const list = await cli('client:list');
    expect(list.code).toBe(0);
    const { client_secret: secret, ...withoutSecret } = client;
    expect(JSON.parse(list.stdout)).toEqual({ data: [withoutSecret], total: 1 });
    expect(list.stdout).not.toContain(secret);

    const rotated = await cli('client:rotate-secret', client.client_id);
    expect(rotated.code).toBe(0);
    const { client_secret: newSecret } = JSON.parse(rotated.stdout);
    expect(newSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSecret).not.toBe(secret);
    expect(row<{ client_secret_hash: string }>('SELECT client_secret_hash FROM oauth2_client WHERE client_id = ?', client.client_id).client_secret_hash).toBe(
      sha256(newSecret),
    );
  }, 60_000);

  it('creates a public client with no secret, and refuses to rotate it', async () => {
    const result = await cli('client:create', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--auth-method', 'none');
    expect(result.code).toBe(0);
    const client = JSON.parse(result.stdout);
    expect(client).not.toHaveProperty('client_secret');
    expect(client.allowed_cors_origins).toEqual([]);
    expectRefusal(await cli('client:rotate-secret', client.client_id), 'client_id: a public client (token_endpoint_auth_method "none") has no secret to rotate');
  }, 60_000);

  it('registers allowed CORS origins, and names a bad one', async () => {
    const result = await cli('client:create', '--name', 'Web', '--redirect-uri', 'https://web.example.com/cb', '--cors-origin', 'https://web.example.com', '--cors-origin', 'http://localhost:3000');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).allowed_cors_origins).toEqual(['https://web.example.com', 'http://localhost:3000']);
    expectRefusal(
      await cli('client:create', '--name', 'Web', '--redirect-uri', 'https://web.example.com/cb', '--cors-origin', 'https://web.example.com/app'),
      '--cors-origin (allowed_cors_origins): "https://web.example.com/app" must be an origin as browsers send it: scheme://host[:port] in lower case, with no path, query or fragment',
    );
  }, 60_000);

  it('registers the OpenID Connect client fields, and names a bad one', async () => {
    const result = await cli(
      'client:create', '--name', 'RP', '--redirect-uri', 'https://rp.example.com/cb', '--post-logout-redirect-uri', 'https://rp.example.com/bye',
      '--access-token-format', 'jwt', '--id-token-alg', 'ES256',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ post_logout_redirect_uris: ['https://rp.example.com/bye'], access_token_format: 'jwt', id_token_signed_response_alg: 'ES256' });
    expectRefusal(
      await cli('client:create', '--name', 'RP', '--redirect-uri', 'https://rp.example.com/cb', '--id-token-alg', 'HS256'),
      '--id-token-alg (id_token_signed_response_alg): must be one of the following values: RS256, ES256',
    );
  }, 60_000);

  it('registers a private_key_jwt client with its key set (no secret), a device client, and names a bad key set', async () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };
    const result = await cli('client:create', '--name', 'Batch', '--grant-types', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks', JSON.stringify({ keys: [jwk] }));
    expect(result.code).toBe(0);
    const client = JSON.parse(result.stdout);
    expect(client).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } });
    expect(client.client_secret).toBeUndefined();
    const device = await cli('client:create', '--name', 'TV', '--grant-types', 'urn:ietf:params:oauth:grant-type:device_code', '--auth-method', 'none');
    expect(JSON.parse(device.stdout)).toMatchObject({ grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] });
    expectRefusal(
      await cli('client:create', '--name', 'Batch', '--grant-types', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks', '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'),
      '--jwks (jwks): each key must have kty RSA, EC or OKP',
    );
  }, 60_000);

  it('deletes a client, then answers that it is gone', async () => {
    const client = JSON.parse((await cli('client:create', '--name', 'Doomed', '--redirect-uri', 'https://doomed.example.com/cb')).stdout);
    const deleted = await cli('client:delete', client.client_id);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ client_id: client.client_id, deleted: true });
    expect(row('SELECT id FROM oauth2_client WHERE client_id = ?', client.client_id)).toBeUndefined();
    expectRefusal(await cli('client:delete', client.client_id), `client_id: no client "${client.client_id}"`);
  }, 60_000);

  it('revokes a token by id, and refuses an unknown one', async () => {
    const client = JSON.parse((await cli('client:create', '--name', 'Tokens', '--grant-types', 'client_credentials')).stdout);
    write(
      'INSERT INTO oauth2_token (client_id, token_type, access_token_hash, scope, issued_at, expires_in, family_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      client.client_id, 'Bearer', sha256('cli-token'), 'profile', 1, 3600, 'cli-family',
    );
    const { id } = row<{ id: number }>('SELECT id FROM oauth2_token WHERE access_token_hash = ?', sha256('cli-token'));
    const revoked = await cli('token:revoke', String(id));
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id, revoked: true });
    expect(row<{ access_token_revoked_at: number | null }>('SELECT access_token_revoked_at FROM oauth2_token WHERE id = ?', id).access_token_revoked_at).not.toBeNull();
    expectRefusal(await cli('token:revoke', '999999'), 'id: no token 999999');
  }, 60_000);

  it('sets a new password from stdin, revoking the user\'s tokens; refuses a short one or an unknown id', async () => {
    const user = JSON.parse((await cliWithStdin('first password\n', 'user:create', '--username', 'changing')).stdout);
    const client = JSON.parse((await cli('client:create', '--name', 'Pw', '--redirect-uri', 'https://pw.example/cb')).stdout);
    write(
      'INSERT INTO oauth2_token (client_id, user_id, token_type, access_token_hash, refresh_token_hash, scope, issued_at, expires_in, family_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      client.client_id, user.id, 'Bearer', sha256('pw-access'), sha256('pw-refresh'), 'profile', 1, 3600, 'pw-family',
    );
    const before = row<{ password_hash: string }>('SELECT password_hash FROM "user" WHERE id = ?', user.id).password_hash;
    const changed = await cliWithStdin('second password\n', 'user:set-password', String(user.id));
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual(user);
    expect(row<{ password_hash: string }>('SELECT password_hash FROM "user" WHERE id = ?', user.id).password_hash).not.toBe(before);
    const token = row<{ a: number | null; r: number | null }>('SELECT access_token_revoked_at AS a, refresh_token_revoked_at AS r FROM oauth2_token WHERE access_token_hash = ?', sha256('pw-access'));
    expect(token.a).not.toBeNull();
    expect(token.r).not.toBeNull();
    expectRefusal(await cliWithStdin('short\n', 'user:set-password', String(user.id)), 'password (password): must be longer than or equal to 8 characters');
    expectRefusal(await cliWithStdin('long enough 1\n', 'user:set-password', '999999'), 'id: no user 999999');
  }, 60_000);

  it("vets a console user's client, and refuses an unknown one", async () => {
    const client = JSON.parse((await cli('client:create', '--name', 'Console app', '--redirect-uri', 'https://console-app.example/cb')).stdout);
    write('UPDATE oauth2_client SET vetted = 0 WHERE client_id = ?', client.client_id);
    const vetted = await cli('client:vet', client.client_id);
    expect(vetted.code).toBe(0);
    expect(JSON.parse(vetted.stdout)).toMatchObject({ client_id: client.client_id, vetted: true });
    expect(row<{ vetted: number }>('SELECT vetted FROM oauth2_client WHERE client_id = ?', client.client_id).vetted).toBe(1);
    expectRefusal(await cli('client:vet', 'no-such-client'), 'client_id: no client "no-such-client"');
  }, 60_000);

  it('takes a client_id that starts with "-" after --, also through npm run cli', async () => {
    write(
      'INSERT INTO oauth2_client (client_id, client_secret_hash, client_id_issued_at, client_secret_expires_at, client_metadata) VALUES (?, ?, ?, ?, ?)',
      DASH_ID, sha256('old secret'), 1, 0,
      JSON.stringify({ client_name: 'Legacy', scope: 'profile', redirect_uris: [], grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', skip_consent: false, introspection: false }),
    );
    expectRefusal(await cli('client:rotate-secret', DASH_ID), 'unknown option -l for client:rotate-secret (see --help; an id that starts with "-" goes after --)');
    const rotated = await cli('client:rotate-secret', '--', DASH_ID);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ client_id: DASH_ID, client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    const deleted = await run('npm', ['run', '--silent', 'cli', '--', 'client:delete', '--', DASH_ID]);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ client_id: DASH_ID, deleted: true });
  }, 120_000);

  it.each([
    [['user:create', '--username', 'a b'], 'password1\n', '--username (username): must not contain spaces (RFC 8265 IdentifierClass)'],
    [['user:create', '--username', 'short'], '1234567\n', 'password (password): must be longer than or equal to 8 characters'],
    [['user:create'], '', 'missing --username (see --help)'],
  ])('refuses %j with one line on stderr and exit 1', async (args, input, line) => {
    expectRefusal(await cliWithStdin(input, ...args), line);
  }, 60_000);

  it.each([
    [['client:create', '--name', 'X', '--redirect-uri', 'http://app.example.com/cb'], '--redirect-uri (redirect_uris): "http://app.example.com/cb" must use https (http only on a loopback host)'],
    [['client:create', '--name', 'X', '--redirect-uri', 'https://a.example/cb#f'], '--redirect-uri (redirect_uris): "https://a.example/cb#f" must not contain a fragment'],
    [['client:create', '--name', 'X', '--grant-types', 'client_credentials', '--auth-method', 'none'], '--grant-types (grant_types): a public client (token_endpoint_auth_method "none") may not use client_credentials'],
    [['client:create', '--name', 'X', '--grant-types', 'magic'], '--grant-types (grant_types): each value in grant_types must be one of the following values: authorization_code, implicit, password, client_credentials, refresh_token, urn:ietf:params:oauth:grant-type:device_code'],
    [['client:create', '--name', 'X', '--redirect-uri', 'https://a.example/cb', '--colour', 'red'], 'unknown option --colour for client:create (see --help)'],
    [['client:rotate-secret', 'no-such-client'], 'client_id: no client "no-such-client"'],
    [['client:delete'], 'missing <client_id> (see --help)'],
    [['token:revoke', '0'], 'id: must not be less than 1'],
    [['user:list', '--limit', '500'], '--limit (limit): must not be greater than 200'],
    [['frobnicate'], 'unknown command "frobnicate" (see --help)'],
  ])('refuses %j with one line on stderr and exit 1', async (args, line) => {
    expectRefusal(await cli(...args), line);
  }, 60_000);
});
