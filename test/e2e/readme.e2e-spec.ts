/**
 * README run as written. "Quick start": its first block's `npm start` in a copy of the tracked
 * files (a fresh clone: no dist, no data), twice, with a restart between. "Your first token in five
 * minutes": its shell blocks are read from README.md and run with bash in a fresh directory laid out
 * like a clone (links to this one), with the built server listening there. Only the port differs
 * (README says 3000; the tests take a free one), and the steps a person does by hand (the browser,
 * copying the code and the access token) are done over HTTP.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ServerProcess, ensureBuilt, startServer } from '../support/server-process';
import { UserAgent, freePort } from '../support/http';
import { authorize } from '../support/oauth-flow';
import { obtainIdToken, registerRelyingParty, verifyIdToken } from '../support/relying-party';

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

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('README: your first token in five minutes', () => {
  let dir = '';
  let server: ServerProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-readme-'));
    ensureBuilt();
    for (const name of ['package.json', 'node_modules', 'src', 'dist', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'ormconfig.ts']) symlinkSync(join(ROOT, name), join(dir, name));
  }, 180_000);
  afterAll(async () => {
    if (server) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
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

/** A command line run as a person's terminal runs it: its own process group, so a signal reaches npm, tsc and node alike. */
interface Terminal {
  proc: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function runInTerminal(command: string, cwd: string, env: Record<string, string>): Terminal {
  const proc = spawn('bash', ['-c', command], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  proc.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output, exited };
}

/** Milliseconds from now until `url` answers 200; throws with the output if the command ends first. */
async function untilReady(terminal: Terminal, url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let ended = false;
  void terminal.exited.then(() => (ended = true));
  while (Date.now() - started < timeoutMs) {
    // Each try bounded: a server still starting may hold a connection without answering.
    const status = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - started;
    if (ended) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 (${ended ? 'the command ended' : 'timed out'}):\n${terminal.output.join('')}`);
}

/** Ctrl-C's kin: SIGTERM to the whole process group, then the exit. */
async function terminate(terminal: Terminal): Promise<void> {
  if (terminal.proc.exitCode !== null || terminal.proc.signalCode !== null) return;
  process.kill(-terminal.proc.pid!, 'SIGTERM');
  await terminal.exited;
}

describe('README: quick start on a fresh clone', () => {
  let clone = '';
  let terminal: Terminal | undefined;
  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'gh-clone-'));
    // The tracked files, as `git clone` lays them out: no dist/, no data/, no .env.
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of tracked) {
      if (!existsSync(join(ROOT, file))) continue; // deleted in this working tree
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(clone, file));
    }
    // Stands in for the block's `npm ci`: this checkout's node_modules, linked. The real install
    // (native modules included) would cost the suite minutes; the lock file is the same.
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(clone, 'node_modules'));
  });
  afterAll(async () => {
    if (terminal) await terminate(terminal);
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('`npm start` builds from nothing, keeps generated secrets (0600), gets ready, and restarts fast with the same keys', async () => {
    const [block] = shellBlocks('Quick start');
    const [install, ...rest] = block.split('\n')[0].split(/\s*&&\s*/);
    expect(install).toBe('npm ci');
    const start = rest.join(' && ');
    expect(start).toMatch(/^npm start\b/);
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    expect(existsSync(join(clone, 'data'))).toBe(false);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    // Cold: the whole build, the database created and migrated, the secrets generated.
    terminal = runInTerminal(start, clone, { PORT: String(port) });
    const cold = await untilReady(terminal, `${url}/health/ready`, 240_000);
    const main = join(clone, 'dist', 'src', 'main.js');
    const builtAt = statSync(main).mtimeMs;
    expect(statSync(join(clone, 'data', 'gatehouse.sqlite')).size).toBeGreaterThan(0);
    const secretsFile = join(clone, 'data', 'gatehouse-secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsFile, 'utf8');
    const adminKey = (JSON.parse(secrets) as { admin_api_key: string }).admin_api_key;
    expect(terminal.output.join('')).toContain(adminKey);
    const rp = await registerRelyingParty(url, adminKey);
    const before = await obtainIdToken(url, rp);
    await terminate(terminal);
    expect(await fetch(`${url}/health/ready`).then((r) => r.status, () => 'closed')).toBe('closed');

    // Warm: nothing changed, so nothing is rebuilt; the same secrets and signing keys.
    terminal = runInTerminal(start, clone, { PORT: String(port) });
    const warm = await untilReady(terminal, `${url}/health/ready`, 60_000);
    expect(statSync(main).mtimeMs).toBe(builtAt);
    expect(warm).toBeLessThan(cold);
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    await expect(verifyIdToken(url, before.idToken, rp.clientId)).resolves.toMatchObject({ aud: rp.clientId });
    expect((await obtainIdToken(url, rp)).kid).toBe(before.kid);
    // The check can fail: the same token with another subject does not verify.
    const [header, payload, signature] = before.idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '999' })).toString('base64url');
    await expect(verifyIdToken(url, `${header}.${forged}.${signature}`, rp.clientId)).rejects.toThrow(/signature/);
    await terminate(terminal);
  }, 360_000);
});
