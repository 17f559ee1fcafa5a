import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

/** Everything `npm run bench` takes from the environment. */
export interface BenchConfig {
  /** Seconds per measured run, and of the warm-up. */
  duration: number;
  warmup: number;
  runs: number;
  connections: number;
  /** Concurrent workers of the authorization-code flow loop. */
  flowWorkers: number;
  scenarios: string[];
  /** What the server is started on: a temp SQLite file, or a fresh database on this MySQL server. */
  databaseUrl: string | undefined;
  /** The MySQL server of the database floor (DATABASE_URL if mysql, else BENCH_MYSQL_URL). */
  mysqlUrl: string | undefined;
  threadpoolSize: number;
  /** Whether the server and floor go on CPU 0 and the load generator on CPU 1. */
  pin: boolean;
  build: 'auto' | 'always' | 'never';
  keepDatabase: boolean;
  /** Load generator of the plain HTTP scenarios: wrk (falls back to autocannon when wrk is not installed). */
  generator: 'wrk' | 'autocannon';
  /** BENCH_SOAK: seconds of client_credentials after the table, RSS and heap snapshots (0: off). */
  soak: number;
  /** BENCH_DEVICE_CODES: pending device codes the device_poll scenario polls round-robin. */
  deviceCodes: number;
}

export const ALL_SCENARIOS = [
  'client_credentials', 'client_credentials_jwt', 'profile', 'profile_dpop', 'introspection', 'device_poll',
  'password', 'refresh', 'registration', 'authorization_code',
];

function num(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return v;
}

function isMysql(url: string | undefined): boolean {
  return !!url && /^(mysql|mariadb):\/\//.test(url);
}

export function loadBenchConfig(): BenchConfig {
  const env = process.env;
  const picked = (env.BENCH_SCENARIOS ?? '').split(/[\s,]+/).filter(Boolean);
  const unknown = picked.filter((s) => !ALL_SCENARIOS.includes(s));
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${ALL_SCENARIOS.join(', ')})`);
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !isMysql(databaseUrl) && !databaseUrl.startsWith('sqlite:')) {
    throw new Error('DATABASE_URL must be mysql://… (a fresh database is created on that server) or unset');
  }
  const mysqlUrl = isMysql(databaseUrl) ? databaseUrl : env.BENCH_MYSQL_URL?.trim() || undefined;
  if (mysqlUrl && !isMysql(mysqlUrl)) throw new Error('BENCH_MYSQL_URL must be mysql://…');
  const generator = (env.BENCH_GENERATOR ?? 'wrk').trim();
  if (!['wrk', 'autocannon'].includes(generator)) throw new Error('BENCH_GENERATOR must be wrk or autocannon');
  const build = (env.BENCH_BUILD ?? 'auto').trim();
  if (!['auto', 'always', 'never'].includes(build)) throw new Error('BENCH_BUILD must be auto, always or never');
  const pin = env.BENCH_PIN !== '0' && cpus().length >= 2 && ['/usr/bin/taskset', '/bin/taskset', '/usr/local/bin/taskset'].some(existsSync);
  return {
    duration: num('BENCH_DURATION', 5, 0.5),
    warmup: num('BENCH_WARMUP', 3, 0),
    runs: Math.round(num('BENCH_RUNS', 3, 1)),
    connections: Math.round(num('BENCH_CONNECTIONS', 32, 1)),
    flowWorkers: Math.round(num('BENCH_FLOW_WORKERS', 8, 1)),
    scenarios: picked.length ? ALL_SCENARIOS.filter((s) => picked.includes(s)) : ALL_SCENARIOS,
    databaseUrl: isMysql(databaseUrl) ? databaseUrl : undefined,
    mysqlUrl,
    threadpoolSize: Math.round(num('UV_THREADPOOL_SIZE', 4, 1)),
    pin,
    build: build as BenchConfig['build'],
    keepDatabase: env.BENCH_KEEP_DB === '1',
    generator: generator as BenchConfig['generator'],
    soak: num('BENCH_SOAK', 0, 0),
    deviceCodes: Math.round(num('BENCH_DEVICE_CODES', 3000, 1)),
  };
}
