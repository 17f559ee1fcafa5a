import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/common/crypto';

// better-sqlite3 ships no type declarations; this is the little the suite reads with.
type Sqlite = { prepare(sql: string): { get(...params: unknown[]): unknown }; close(): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options: { readonly: boolean }) => Sqlite;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator CLI (src/cli.ts) as `npm run cli` runs it, on a SQLite file of its own. */
describe('operator CLI (sqlite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const file = join(dir, 'cli.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    new Promise<Result>((resolve) => {
      execFile(
        'npx',
        ['ts-node', '--transpile-only', 'src/cli.ts', ...args],
        {
          cwd: join(__dirname, '../..'),
          env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: `sqlite:${file}`, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ADMIN_API_KEY: '' },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

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
    for (const command of ['user:create', 'user:list', 'client:create', 'client:rotate-secret', 'client:list']) {
      expect(result.stdout).toContain(command);
    }
  }, 60_000);

  it('creates a user, stored as an argon2id hash', async () => {
    const result = await cli('user:create', '--username', 'operator', '--password', 'cli password 1', '--email', 'op@example.com');
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
    expectRefusal(await cli('user:create', '--username', 'operator', '--password', 'another password'), '--username (username): is already taken');
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
      token_endpoint_auth_method: 'client_secret_basic',
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
    expectRefusal(await cli('client:rotate-secret', client.client_id), 'client_id: a public client (token_endpoint_auth_method "none") has no secret to rotate');
  }, 60_000);

  it.each([
    [['user:create', '--username', 'a b', '--password', 'password1'], '--username (username): may contain only letters, digits and . _ @ -'],
    [['user:create', '--username', 'short', '--password', '1234567'], '--password (password): must be longer than or equal to 8 characters'],
    [['user:create', '--username', 'x'], 'missing --password (see --help)'],
    [['client:create', '--name', 'X', '--redirect-uri', 'http://app.example.com/cb'], '--redirect-uri (redirect_uris): "http://app.example.com/cb" must use https (http only on a loopback host)'],
    [['client:create', '--name', 'X', '--redirect-uri', 'https://a.example/cb#f'], '--redirect-uri (redirect_uris): "https://a.example/cb#f" must not contain a fragment'],
    [['client:create', '--name', 'X', '--grant-types', 'client_credentials', '--auth-method', 'none'], '--grant-types (grant_types): a public client (token_endpoint_auth_method "none") may not use client_credentials'],
    [['client:create', '--name', 'X', '--grant-types', 'magic'], '--grant-types (grant_types): each value in grant_types must be one of the following values: authorization_code, implicit, password, client_credentials, refresh_token'],
    [['client:create', '--name', 'X', '--redirect-uri', 'https://a.example/cb', '--colour', 'red'], 'unknown option --colour for client:create (see --help)'],
    [['client:rotate-secret', 'no-such-client'], 'client_id: no client "no-such-client"'],
    [['user:list', '--limit', '500'], '--limit (limit): must not be greater than 200'],
    [['frobnicate'], 'unknown command "frobnicate" (see --help)'],
  ])('refuses %j with one line on stderr and exit 1', async (args, line) => {
    expectRefusal(await cli(...args), line);
  }, 60_000);
});
