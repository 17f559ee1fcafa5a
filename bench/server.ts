import { ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mysql from 'mysql2/promise';
import { BenchConfig } from './config';
import { freePort, rssKiB, sleep, spawnPinned, stopChild } from './proc';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * `npm run build` when dist/src/main.js is missing or older than src/ (BENCH_BUILD=always|never overrides).
 * Returns a warning when the build failed but left a dist/ to run (tsc emits despite type errors).
 */
export function buildIfNeeded(cfg: BenchConfig, log: (s: string) => void): string | null {
  const stale = !existsSync(MAIN) || statSync(MAIN).mtimeMs < newestMtime(join(ROOT, 'src'));
  if (cfg.build === 'never' || (cfg.build === 'auto' && !stale)) return null;
  log('building (npm run build)…');
  const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status === 0) return null;
  const lines = `${res.stdout}${res.stderr}`.split('\n').filter((l) => /error/i.test(l));
  const output = lines.slice(0, 3).map((l) => l.slice(0, 160)).join('\n') + (lines.length > 3 ? `\n… ${lines.length - 3} more` : '');
  if (!existsSync(MAIN)) throw new Error(`npm run build failed:\n${output}`);
  log(`warning: npm run build reported errors; benchmarking the dist/ it emitted:\n${output}`);
  return `npm run build reported ${lines.length} type errors; the dist/ it emitted was benchmarked`;
}

export interface Database {
  /** DATABASE_URL given to the server. */
  url: string;
  label: string;
  drop(): Promise<void>;
}

/** A fresh database: a temp SQLite file, or a new database on the MySQL server of `cfg.databaseUrl`. */
export async function freshDatabase(cfg: BenchConfig): Promise<Database> {
  if (!cfg.databaseUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
    const file = join(dir, 'bench.sqlite');
    return { url: `sqlite:${file}`, label: 'sqlite (temp file)', drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = new URL(cfg.databaseUrl.replace(/^mariadb:/, 'mysql:'));
  const name = `gatehouse_bench_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const admin = async <T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> => {
    const base = new URL(url.href);
    base.pathname = '/';
    const conn = await mysql.createConnection(base.href);
    try {
      return await fn(conn);
    } finally {
      await conn.end();
    }
  };
  await admin((c) => c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  url.pathname = `/${name}`;
  return {
    url: url.href,
    label: `mysql (${url.host}/${name})`,
    drop: async () => {
      if (!cfg.keepDatabase) await admin((c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
    },
  };
}

export interface RunningServer {
  origin: string;
  pid: number;
  adminApiKey: string;
  rss(): number | null;
  /** Sends a signal to the server process (e.g. the heap snapshot signal). */
  signal(sig: NodeJS.Signals): void;
  /** Null while running; otherwise how it ended, with the tail of its output. */
  exit(): string | null;
  stop(): Promise<void>;
  /** The server's stderr tail, for error messages. */
  output(): string;
}

/** Starts `node [nodeArgs] dist/src/main.js` (pinned to CPU 0) and waits for GET /health → 200. */
export async function startServer(cfg: BenchConfig, databaseUrl: string, nodeArgs: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const adminApiKey = randomBytes(24).toString('base64url');
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: '',
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: adminApiKey,
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
    NODE_ENV: 'production',
    // The password grant is off by default (RFC 9700 §2.4); one scenario measures it.
    PASSWORD_GRANT_ENABLED: 'true',
    // The registration scenario measures an open registration, without the per-IP limit or the cap.
    REGISTRATION: 'open',
    REGISTRATION_RATE_LIMIT: '1000000',
    REGISTRATION_MAX_CLIENTS: '10000000',
    // device_poll polls each pending code once per interval: 1 s (the least) lets a pool of N codes
    // carry N polls/s; what one poll costs does not depend on the interval. The codes live through a
    // whole bench (1800 s, the most).
    DEVICE_CODE_INTERVAL: '1',
    DEVICE_CODE_TTL: '1800',
    // DPoP proofs without server nonces (RFC 9449 §8): the proof loop does not answer use_dpop_nonce.
    DPOP_NONCE: 'false',
    // Access lines off unless asked for (BENCH_LOG_LEVEL=info measures them too).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
    UV_THREADPOOL_SIZE: String(cfg.threadpoolSize),
  };
  const child: ChildProcess = spawnPinned(cfg.pin ? 0 : null, process.execPath, [...nodeArgs, MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}:\n${tail.trim()}`);
    try {
      const res = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`server did not answer GET /health with 200 within 60 s:\n${tail.trim()}`);
    }
    await sleep(100);
  }
  return {
    origin,
    pid: child.pid!,
    adminApiKey,
    rss: () => rssKiB(child.pid),
    signal: (sig) => void child.kill(sig),
    exit: () =>
      child.exitCode === null && child.signalCode === null
        ? null
        : `server exited (${child.exitCode ?? child.signalCode}) during the bench:\n${tail.trim().split('\n').slice(-12).join('\n')}`,
    stop: () => stopChild(child),
    output: () => tail,
  };
}
