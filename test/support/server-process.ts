import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/ (the tests run the built server, as production does). */
export function ensureBuilt(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

export interface ServerProcess {
  proc: ChildProcess;
  /** http://127.0.0.1:<port> once listening. */
  url: string;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** The environment every child server gets unless the test overrides it. */
export const SERVER_ENV = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  ADMIN_API_KEY: 'test-admin-key-0123456789abcdef',
  COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef0123456789',
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'info',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
};

/**
 * Runs `node dist/src/main.js` with this environment (and nothing from .env: cwd is a temp dir),
 * or with `via: 'npm'` the documented `npm start` (in the repository, its build step skipped): the
 * signals a test sends then go to npm, as a service manager's would.
 */
export function runServer(env: Record<string, string>, cwd: string, via: 'node' | 'npm' = 'node'): ServerProcess {
  const [command, args, dir] = via === 'npm' ? ['npm', ['start', '--ignore-scripts', '--silent'], ROOT] : [process.execPath, [MAIN], cwd];
  const proc = spawn(command, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...(via === 'npm' ? { HOME: process.env.HOME ?? cwd } : {}), ...SERVER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      into.push(...parts);
    };
  };
  proc.stdout!.on('data', collect(stdout));
  proc.stderr!.on('data', collect(stderr));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, url: '', stdout, stderr, exited };
}

/** Starts a server and waits for its "listening" line; throws with its output if it exits first. */
export async function startServer(env: Record<string, string>, cwd: string, timeoutMs = 30_000, via: 'node' | 'npm' = 'node'): Promise<ServerProcess> {
  const server = runServer(env, cwd, via);
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void server.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    const line = server.stdout.map((l) => safeJson(l)).find((l) => l?.url && l.log === 'server');
    if (line) return { ...server, url: line.url as string };
    if (exitCode !== undefined) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  server.proc.kill('SIGKILL');
  throw new Error(`server did not start:\n${server.stdout.join('\n')}\n${server.stderr.join('\n')}`);
}

export function safeJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A fresh MySQL database for a child server (dropped by the returned function). */
export async function createMysqlDatabase(baseUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { createConnection } = await import('mysql2/promise');
  const url = new URL(baseUrl);
  const name = `gatehouse_${label}_${process.pid}_${Date.now() % 1e6}`;
  const connect = () =>
    createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
  const admin = await connect();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = await connect();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}
