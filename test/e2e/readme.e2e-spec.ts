/**
 * README's "Your first token in five minutes", run as written: its shell blocks are read from
 * README.md and run with bash in a fresh directory laid out like a clone (links to this one), with
 * the built server listening there. Only the port differs (README says 3000; the test takes a free
 * one), and the steps a person does by hand (the browser, copying the code and the access token)
 * are done over HTTP.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, ensureBuilt, startServer } from '../support/server-process';
import { UserAgent } from '../support/http';
import { authorize } from '../support/oauth-flow';

const ROOT = join(__dirname, '../..');

/** The ```sh blocks of one README section, in order. */
function shellBlocks(heading: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('README: your first token in five minutes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-readme-'));
  let server: ServerProcess | undefined;
  beforeAll(() => {
    ensureBuilt();
    for (const name of ['package.json', 'node_modules', 'src', 'dist', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'ormconfig.ts']) symlinkSync(join(ROOT, name), join(dir, name));
  }, 180_000);
  afterAll(async () => {
    if (server) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('the admin key, a user, a client, the browser flow, the token and /api/profile', async () => {
    const [setup, exchange] = shellBlocks('Your first token in five minutes');
    expect(setup).toContain('user:create');
    expect(exchange).toContain('/api/profile');
    const port = await freePort();
    const at = (script: string) => script.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`);
    // What `npm start` runs, with nothing set: the quick start's server.
    server = await startServer({ PORT: String(port), NODE_ENV: 'development', ADMIN_API_KEY: '', COOKIE_SECRET: '', LOG_FORMAT: 'json' }, dir, 60_000);
    const env = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

    const first = await bash(at(setup), dir, env);
    expect(first).toMatchObject({ code: 0 });
    const authorizeUrl = new URL(first.stdout.trim().split('\n').pop()!);
    expect(authorizeUrl.origin).toBe(`http://127.0.0.1:${port}`);
    const client = JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8')) as { client_id: string; client_secret: string; scope: string };
    expect(client.scope).toBe('openid profile email');

    // The browser: sign in as alice, approve; the code is in the callback's address.
    const callback = await authorize(new UserAgent(`http://127.0.0.1:${port}`), Object.fromEntries(authorizeUrl.searchParams), { username: 'alice', password: 'correct horse battery' });
    expect(callback.origin + callback.pathname).toBe('http://127.0.0.1:8080/callback');
    const code = callback.searchParams.get('code')!;

    // README's "# 5." comment starts the step that needs the access token from step 4's answer.
    const [tokenStep, profileStep] = at(exchange).split(/^(?=# 5\.)/m);
    const secrets = { ...env, CLIENT_ID: client.client_id, CLIENT_SECRET: client.client_secret, CODE: code };
    const token = await bash(tokenStep, dir, secrets);
    expect(token.code).toBe(0);
    const tokens = JSON.parse(token.stdout) as { access_token: string; refresh_token: string; id_token: string };
    expect(tokens).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });

    const profile = await bash(profileStep, dir, { ...secrets, ACCESS_TOKEN: tokens.access_token });
    expect(profile.code).toBe(0);
    expect(JSON.parse(profile.stdout)).toEqual({ id: 1, username: 'alice', email: 'alice@example.com' });
  }, 240_000);
});
