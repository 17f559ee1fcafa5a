/**
 * `npm run bench`: starts the server on a fresh database and the floors beside it (CPU 0), provisions
 * through the admin API, drives every scenario from a load worker (CPU 1) and writes bench/results/.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Argon2Bound, measureArgon2Bound } from './argon2-bound';
import { BenchConfig, loadBenchConfig } from './config';
import { RunningFloor, startFloor } from './floor';
import { LoadWorker, startLoadWorker } from './load-worker';
import { pinSelf, sleep } from './proc';
import { makeRow, Measurement, Report, Row, summarize, terminalTable, writeResults } from './report';
import { provision, Provisioned, Scenario, SCENARIOS } from './scenarios';
import { buildIfNeeded, Database, freshDatabase, RunningServer, startServer } from './server';
import { RunResult } from './stats';

const t0 = Date.now();
const log = (s: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);
const rate = (r: RunResult) => `${r.rps.toFixed(1)}/s${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} errors)` : ''}`;

class Bench {
  constructor(
    private readonly cfg: BenchConfig,
    private readonly worker: LoadWorker,
  ) {}

  /** One run; a failing job becomes a run with one error instead of stopping the bench. */
  async once(s: Scenario, origin: string, p: Provisioned, duration: number): Promise<RunResult> {
    try {
      const job = s.job(origin, p, duration, this.cfg);
      const r = await this.worker.run(job);
      if (r.chains) p.chains = r.chains; // rotation chains carry on into the next run
      // autocannon abandons its in-flight requests at the deadline: let the server finish them first.
      // (The custom loops wait for theirs.)
      if (job.kind === 'http') await sleep(Math.min(3000, Math.max(50, r.p99)));
      return r;
    } catch (err) {
      const sample = `${s.name}: ${(err as Error).message}`;
      return { rps: 0, p50: 0, p99: 0, completed: 0, non2xx: 0, errors: 1, statusCounts: {}, samples: [sample] };
    }
  }

  async measure(s: Scenario, origin: string, p: Provisioned, label: string, warmup: number): Promise<Measurement> {
    if (warmup > 0) await this.once(s, origin, p, warmup);
    const runs: RunResult[] = [];
    for (let i = 0; i < this.cfg.runs; i++) runs.push(await this.once(s, origin, p, this.cfg.duration));
    log(`${label.padEnd(34)} ${runs.map(rate).join('  ')}`);
    return summarize(runs);
  }
}

async function main(): Promise<void> {
  const cfg = loadBenchConfig();
  const startedAt = new Date().toISOString();
  const scenarios = SCENARIOS.filter((s) => cfg.scenarios.includes(s.name));
  // Bound the whole run: every phase is time-limited, this is the last resort.
  const budget = (scenarios.length * 2 + 2) * (cfg.warmup + cfg.runs * cfg.duration) + 300;
  setTimeout(() => {
    console.error(`[bench] still running after ${Math.round(budget)} s: giving up`);
    process.exit(2);
  }, budget * 1000).unref();

  if (cfg.pin) pinSelf(1);
  else log('taskset not available (or BENCH_PIN=0): processes are not pinned');
  const buildWarning = buildIfNeeded(cfg, log);

  let db: Database | undefined;
  let server: RunningServer | undefined;
  let floor: RunningFloor | undefined;
  let worker: LoadWorker | undefined;
  try {
    db = await freshDatabase(cfg);
    log(`database: ${db.label}`);
    [server, floor] = await Promise.all([startServer(cfg, db.url), startFloor(cfg.pin ? 0 : null, cfg.mysqlUrl)]);
    worker = startLoadWorker(cfg.pin ? 1 : null);
    log(`server ${server.origin} (pid ${server.pid}); Fastify floor ${floor.plain}; DB floor ${floor.db ?? 'off (no MySQL URL)'}`);

    const p = await provision(server.origin, server.adminApiKey, cfg.connections, scenarios.some((s) => s.name === 'refresh'));
    for (const problem of p.problems) log(`provisioning: ${problem}`);

    let argon2: Argon2Bound | null = null;
    if (scenarios.some((s) => s.argon2Bound)) {
      argon2 = measureArgon2Bound(cfg.pin ? 0 : null, Math.max(1, Math.min(cfg.duration, 5)), cfg.threadpoolSize);
      log(`argon2id verify bound: ${argon2.verifiesPerSecond.toFixed(1)}/s`);
    }

    const bench = new Bench(cfg, worker);
    // Warm every scenario first, so that the RSS after warm-up and after the runs compare like with like.
    if (cfg.warmup > 0) {
      log(`warming up ${scenarios.length} scenarios (${cfg.warmup} s each)…`);
      for (const s of scenarios) log(`warm-up ${s.name.padEnd(27)} ${rate(await bench.once(s, server.origin, p, cfg.warmup))}`);
    }
    const afterWarmupKiB = server.rss();
    let afterRunsKiB = afterWarmupKiB;
    const perScenarioKiB: Record<string, number | null> = {};

    // The floors, once per request shape (fresh placeholders: the floors accept any token), each measured
    // right after the first scenario that needs it, so that both sides of a ratio see the same machine.
    // A constant-body route is warm after a few thousand requests: half the warm-up keeps runs quick.
    const floorWarmup = cfg.warmup / 2;
    const shapes = new Map<string, Measurement>();
    const floorOf = async (kind: 'fastify' | 'db', s: Scenario): Promise<Measurement | null> => {
      const shape = kind === 'fastify' ? s.fastifyShape : s.dbShape;
      const origin = kind === 'fastify' ? floor!.plain : floor!.db;
      if (!shape || !origin) return null;
      const key = `${kind}:${shape}`;
      if (!shapes.has(key)) shapes.set(key, await bench.measure(s, origin, { ...p, chains: [] }, `${kind} floor ${shape}`, floorWarmup));
      return shapes.get(key)!;
    };
    const rows: Row[] = [];
    for (const s of scenarios) {
      const died = server.exit();
      const measured = died
        ? summarize([{ rps: 0, p50: 0, p99: 0, completed: 0, non2xx: 0, errors: 1, statusCounts: {}, samples: ['server not running'] }])
        : await bench.measure(s, server.origin, p, `server ${s.name}`, 0);
      if (!died) afterRunsKiB = perScenarioKiB[s.name] = server.rss();
      const fastify = await floorOf('fastify', s);
      const dbFloor = await floorOf('db', s);
      const target = (cfg.databaseUrl ? s.targets.mysql : s.targets.sqlite) ?? null;
      rows.push(makeRow(s.name, s.title, measured, fastify, dbFloor, s.argon2Bound ? argon2?.verifiesPerSecond ?? null : null, target));
    }

    const growth = afterWarmupKiB && afterRunsKiB ? (afterRunsKiB - afterWarmupKiB) / afterWarmupKiB : null;
    const report: Report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: {
        database: db.label,
        node: process.version,
        cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
        pinned: cfg.pin,
        connections: cfg.connections,
        flowWorkers: cfg.flowWorkers,
        warmup: cfg.warmup,
        runs: cfg.runs,
        duration: cfg.duration,
        uvThreadpoolSize: cfg.threadpoolSize,
        dbFloor: floor.db !== null,
      },
      argon2,
      memory: { afterWarmupKiB, afterRunsKiB, growth, pass: growth === null ? null : growth <= 0.1, perScenarioKiB },
      rows,
      problems: [...(buildWarning ? [buildWarning] : []), ...p.problems, ...(server.exit() ? [server.exit()!] : [])],
    };
    const paths = writeResults(report, join(__dirname, 'results'));
    console.log(`\n${terminalTable(report)}\n`);
    log(`results: ${paths.json}, ${paths.md}, ${paths.svg}`);
  } finally {
    await Promise.allSettled([worker?.stop(), floor?.stop(), server?.stop()]);
    await db?.drop().catch((err: Error) => log(`could not drop the bench database: ${err.message}`));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
