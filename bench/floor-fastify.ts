/**
 * Which Fastify the floor runs on: the newest Fastify 5 release, whatever the project pins, so that a
 * slow pinned release cannot make the floor (and so every ratio) look better than it is. It is
 * installed once into bench/.floor/ (gitignored) and reused; the project's own fastify is the fallback
 * when the registry cannot be reached. BENCH_FLOOR_FASTIFY=<version> picks a version, =project the
 * project's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FLOOR_CACHE = join(__dirname, '.floor');

export interface FloorFastify {
  /** Directory to resolve `fastify` from (null: the project's own). */
  dir: string | null;
  version: string;
  warning: string | null;
}

const projectVersion = (): string => (JSON.parse(readFileSync(require.resolve('fastify/package.json'), 'utf8')) as { version: string }).version;

function cachedVersion(): string | null {
  const file = join(FLOOR_CACHE, 'node_modules', 'fastify', 'package.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

const semver = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
function newest(versions: string[]): string | null {
  const plain = versions.filter((v) => /^5\.\d+\.\d+$/.test(v));
  plain.sort((a, b) => {
    const [x, y] = [semver(a), semver(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  return plain.pop() ?? null;
}

function latestFastify5(): string {
  const res = spawnSync('npm', ['view', 'fastify@5', 'version', '--json'], { encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`npm view fastify@5 failed: ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
  const parsed = JSON.parse(res.stdout) as string | string[];
  const v = newest(Array.isArray(parsed) ? parsed : [parsed]);
  if (!v) throw new Error(`npm view fastify@5 returned no 5.x.y version: ${res.stdout.slice(0, 200)}`);
  return v;
}

export function resolveFloorFastify(log: (s: string) => void): FloorFastify {
  const wanted = (process.env.BENCH_FLOOR_FASTIFY ?? '').trim();
  const fallback = (why: string): FloorFastify => {
    const warning = `the floor runs on the project's fastify ${projectVersion()}, not the newest Fastify 5 (${why})`;
    log(`warning: ${warning}`);
    return { dir: null, version: projectVersion(), warning };
  };
  if (wanted === 'project') return { dir: null, version: projectVersion(), warning: 'BENCH_FLOOR_FASTIFY=project: the floor runs on the project\'s fastify' };
  let version: string;
  try {
    version = wanted || latestFastify5();
  } catch (err) {
    const cached = cachedVersion();
    if (cached) {
      const warning = `registry unreachable (${(err as Error).message}); the floor runs on the cached fastify ${cached}`;
      log(`warning: ${warning}`);
      return { dir: FLOOR_CACHE, version: cached, warning };
    }
    return fallback((err as Error).message);
  }
  if (cachedVersion() !== version) {
    log(`installing fastify@${version} for the floor into ${FLOOR_CACHE}…`);
    mkdirSync(FLOOR_CACHE, { recursive: true });
    const res = spawnSync(
      'npm',
      ['install', '--prefix', FLOOR_CACHE, '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact', `fastify@${version}`],
      { encoding: 'utf8', timeout: 180_000 },
    );
    if (res.status !== 0 || cachedVersion() !== version) {
      return fallback(`npm install fastify@${version} failed: ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
    }
  }
  return { dir: FLOOR_CACHE, version, warning: null };
}

/** In the floor process: the Fastify factory from `dir` (or the project's), and its version. */
export function loadFastify(dir: string | null): { factory: typeof import('fastify').default; version: string } {
  const main = dir ? require.resolve('fastify', { paths: [dir] }) : require.resolve('fastify');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(main) as { default?: typeof import('fastify').default } & typeof import('fastify').default;
  const pkg = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8')) as { version: string };
  return { factory: mod.default ?? mod, version: pkg.version };
}
