/**
 * `npm run bench`: starts the server on a fresh database and the floors beside it (CPU 0), provisions
 * through the admin API, drives every scenario from the load generator (CPU 1: wrk for the plain HTTP
 * scenarios, the Node load worker for the custom loops and as autocannon fallback), measuring floor
 * and server in alternating runs, and writes bench/results/.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { Argon2Bound, measureArgon2Bound } from './argon2-bound';
import { BenchConfig, loadBenchConfig } from './config';
import { RunningFloor, startFloor } from './floor';
import { resolveFloorFastify } from './floor-fastify';
import { HttpJob, JobResult, LoadWorker, startLoadWorker } from './load-worker';
import { cpuSeconds, pidOf, pinSelf, sleep } from './proc';
import { comparisons, makeRow, Measurement, Report, Row, Soak, summarize, terminalTable, writeResults } from './report';
import { provision, Provisioned, Scenario, SCENARIOS } from './scenarios';
import { buildIfNeeded, Database, freshDatabase, RunningServer, startServer } from './server';
import { median, RunResult } from './stats';
import { runWrk, wrkAvailable } from './wrk';

const t0 = Date.now();
const log = (s: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);
const rate = (r: RunResult) => {
  const cpu = r.cpuUsPerReq === null || r.cpuUsPerReq === undefined ? '' : ` ${r.cpuUsPerReq.toFixed(0)}µs`;
  const gen = r.generatorCpuPct === null || r.generatorCpuPct === undefined ? '' : ` gen ${r.generatorCpuPct.toFixed(0)}%`;
  return `${r.rps.toFixed(1)}/s${cpu}${gen}${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} errors)` : ''}`;
};
const failedRun = (sample: string): RunResult => ({ rps: 0, p50: 0, p99: 0, completed: 0, non2xx: 0, errors: 1, statusCounts: {}, samples: [sample] });

/** One request of a failing wrk job, to name the status wrk only counts. */
async function probe(job: HttpJob): Promise<string | null> {
  try {
    const res = await fetch(job.url, { method: job.method, headers: job.headers, body: job.body, signal: AbortSignal.timeout(10_000) });
    const text = (await res.text()).replace(/\s+/g, ' ').slice(0, 120);
    return res.ok ? null : `${job.method} ${new URL(job.url).pathname} → ${res.status} ${text}`;
  } catch (err) {
    return `${job.method} ${new URL(job.url).pathname}: ${(err as Error).message}`;
  }
}

class Bench {
  constructor(
    private readonly cfg: BenchConfig,
    private readonly worker: LoadWorker,
    private readonly useWrk: boolean,
    /** The local MySQL server's pid, when the bench can see it (its CPU per request is reported too). */
    private readonly dbPid: number | null,
  ) {}

  /**
   * One run against `origin`, whose process is `targetPid` (server or floor): its CPU, the MySQL
   * server's and the load generator's are read from /proc around the run. A failing job becomes a run
   * with one error instead of stopping the bench.
   */
  async once(s: Scenario, origin: string, p: Provisioned, duration: number, targetPid: number | null): Promise<RunResult> {
    try {
      const job = s.job(origin, p, duration, this.cfg);
      const wrk = job.kind === 'http' && this.useWrk;
      const start = performance.now();
      const [cpu0, db0, gen0] = [cpuSeconds(targetPid), cpuSeconds(this.dbPid), wrk ? null : cpuSeconds(this.worker.pid)];
      const r: JobResult = job.kind === 'http' && wrk ? await runWrk(job, this.cfg.pin ? 1 : null) : await this.worker.run(job);
      const [cpu1, db1, gen1] = [cpuSeconds(targetPid), cpuSeconds(this.dbPid), wrk ? null : cpuSeconds(this.worker.pid)];
      const wall = (performance.now() - start) / 1000;
      const perReq = (a: number | null, b: number | null) => (a !== null && b !== null && r.completed > 0 ? ((b - a) * 1e6) / r.completed : null);
      r.cpuUsPerReq = perReq(cpu0, cpu1);
      r.dbCpuUsPerReq = perReq(db0, db1);
      if (!wrk) r.generatorCpuPct = gen0 !== null && gen1 !== null && wall > 0 ? (100 * (gen1 - gen0)) / wall : null;
      r.generator = wrk ? 'wrk' : job.kind === 'http' ? 'autocannon' : 'node loop';
      if (r.chains) p.chains = r.chains; // rotation chains carry on into the next run
      if (job.kind === 'http') {
        if (wrk && r.non2xx) {
          const sample = await probe(job);
          if (sample) r.samples.unshift(sample);
        }
        // wrk and autocannon abandon their in-flight requests at the deadline: let the target finish them first.
        // (The custom loops wait for theirs.)
        await sleep(Math.min(3000, Math.max(50, r.p99)));
      }
      return r;
    } catch (err) {
      return failedRun(`${s.name}: ${(err as Error).message}`);
    }
  }
}

type FloorKind = 'fastify' | 'db';

async function main(): Promise<void> {
  const cfg = loadBenchConfig();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0];
  const scenarios = SCENARIOS.filter((s) => cfg.scenarios.includes(s.name));
  const floorsPerScenario = cfg.mysqlUrl ? 3 : 2;
  // Bound the whole run: every phase is time-limited, this is the last resort.
  const budget = scenarios.length * (2 * cfg.warmup + floorsPerScenario * cfg.runs * (cfg.duration + 4)) + (cfg.soak ? cfg.soak + 200 : 0) + 600;
  setTimeout(() => {
    console.error(`[bench] still running after ${Math.round(budget)} s: giving up`);
    process.exit(2);
  }, budget * 1000).unref();

  if (cfg.pin) pinSelf(1);
  else log('taskset not available (or BENCH_PIN=0): processes are not pinned');
  const useWrk = cfg.generator === 'wrk' && wrkAvailable();
  const generatorNote =
    cfg.generator === 'autocannon' ? 'BENCH_GENERATOR=autocannon' : useWrk ? '' : 'wrk not found on PATH: autocannon fallback, which needs more CPU per request (apt-get install wrk)';
  const generator = `${useWrk ? 'wrk (1 thread)' : 'autocannon'} for the HTTP scenarios, Node loops for refresh, authorization_code and the requests signed per request (client_credentials_jwt, profile_dpop) or paced (device_poll)`;
  log(`load generator: ${generator}${generatorNote ? ` — ${generatorNote}` : ''}`);
  const buildWarning = buildIfNeeded(cfg, log);
  const floorFastify = resolveFloorFastify(log);

  let db: Database | undefined;
  let server: RunningServer | undefined;
  let floor: RunningFloor | undefined;
  let worker: LoadWorker | undefined;
  try {
    db = await freshDatabase(cfg);
    log(`database: ${db.label}`);
    const soakDir = cfg.soak ? join(__dirname, 'results', `soak-${startedAt.replace(/[:.]/g, '-')}`) : null;
    if (soakDir) mkdirSync(soakDir, { recursive: true });
    // Not SIGUSR2: Nest's enableShutdownHooks() closes the app on it. SIGWINCH is otherwise ignored.
    const nodeArgs = soakDir ? [`--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${soakDir}`] : [];
    [server, floor] = await Promise.all([startServer(cfg, db.url, nodeArgs), startFloor(cfg.pin ? 0 : null, cfg.mysqlUrl, floorFastify.dir)]);
    worker = startLoadWorker(cfg.pin ? 1 : null);
    log(`server ${server.origin} (pid ${server.pid}); Fastify ${floor.fastify} floor ${floor.plain}; DB floor ${floor.db ?? 'off (no MySQL URL)'}`);
    const mysqlHost = cfg.mysqlUrl ? new URL(cfg.mysqlUrl.replace(/^mariadb:/, 'mysql:')).hostname : null;
    const dbPid = mysqlHost && ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(mysqlHost) ? pidOf('mariadbd', 'mysqld') : null;
    if (cfg.mysqlUrl) log(dbPid ? `MySQL server process: pid ${dbPid} (its CPU per request is reported)` : 'MySQL server process not visible: its CPU is not reported');

    const wanted = (name: string) => scenarios.some((s) => s.name === name);
    const p = await provision(server.origin, server.adminApiKey, cfg.connections, {
      chains: wanted('refresh'), jwtClient: wanted('client_credentials_jwt'), dpop: wanted('profile_dpop'), deviceCodes: wanted('device_poll') ? cfg.deviceCodes : 0,
    });
    if (wanted('device_poll')) log(`device_poll: ${p.device.codes.length} pending device codes, interval ${p.device.interval} s (at most ${(p.device.codes.length / p.device.interval).toFixed(0)} polls/s)`);
    for (const problem of p.problems) log(`provisioning: ${problem}`);

    let argon2: Argon2Bound | null = null;
    if (scenarios.some((s) => s.argon2Bound)) {
      argon2 = measureArgon2Bound(cfg.pin ? 0 : null, Math.max(1, Math.min(cfg.duration, 5)), cfg.threadpoolSize);
      log(`argon2id verify bound: ${argon2.verifiesPerSecond.toFixed(1)}/s`);
    }

    const bench = new Bench(cfg, worker, useWrk, dbPid);
    // Warm every scenario first, so that the RSS after warm-up and after the runs compare like with like.
    if (cfg.warmup > 0) {
      log(`warming up ${scenarios.length} scenarios (${cfg.warmup} s each)…`);
      for (const s of scenarios) log(`warm-up ${s.name.padEnd(27)} ${rate(await bench.once(s, server.origin, p, cfg.warmup, server.pid))}`);
    }
    const afterWarmupKiB = server.rss();
    let afterRunsKiB = afterWarmupKiB;
    const perScenarioKiB: Record<string, number | null> = {};

    // Floor and server alternate: floor run, server run, floor run, … so that drift of the machine hits
    // both sides of each pair alike; the ratio is the median of the per-pair ratios. The floors accept
    // any token (fresh placeholders). A floor is warmed up (half the warm-up: a constant-body route is
    // warm after a few thousand requests) before the first run of its request shape.
    const warmed = new Set<string>();
    const allBounds: Argon2Bound[] = argon2 ? [argon2] : [];
    const rows: Row[] = [];
    for (const s of scenarios) {
      const floors: { kind: FloorKind; shape: string; origin: string }[] = [];
      if (s.fastifyShape) floors.push({ kind: 'fastify', shape: s.fastifyShape, origin: floor.plain });
      if (s.dbShape && floor.db) floors.push({ kind: 'db', shape: s.dbShape, origin: floor.db });
      for (const f of floors) {
        const key = `${f.kind}:${f.shape}`;
        if (cfg.warmup > 0 && !warmed.has(key)) await bench.once(s, f.origin, { ...p, chains: [] }, cfg.warmup / 2, floor.pid);
        warmed.add(key);
      }
      const target = (cfg.databaseUrl ? s.targets.mysql : s.targets.sqlite) ?? null;
      // A scenario whose target is the argon2id bound alternates with measurements of that bound instead.
      const alternateArgon2 = s.argon2Bound && target?.floor === 'argon2' && argon2 !== null;
      const serverRuns: RunResult[] = [];
      const floorRuns: Record<FloorKind, RunResult[]> = { fastify: [], db: [] };
      const bounds: Argon2Bound[] = [];
      for (let i = 0; i < cfg.runs; i++) {
        for (const f of floors) floorRuns[f.kind].push(await bench.once(s, f.origin, { ...p, chains: [] }, cfg.duration, floor.pid));
        if (alternateArgon2) bounds.push(measureArgon2Bound(cfg.pin ? 0 : null, cfg.duration, cfg.threadpoolSize));
        serverRuns.push(server.exit() ? failedRun('server not running') : await bench.once(s, server.origin, p, cfg.duration, server.pid));
      }
      for (const f of floors) log(`${`${f.kind} floor ${f.shape}`.padEnd(30)} ${floorRuns[f.kind].map(rate).join('  ')}`);
      if (bounds.length) log(`${'argon2id verify bound'.padEnd(30)} ${bounds.map((b) => `${b.verifiesPerSecond.toFixed(1)}/s ${b.cpuUsPerVerify.toFixed(0)}µs`).join('  ')}`);
      allBounds.push(...bounds);
      log(`${`server ${s.name}`.padEnd(30)} ${serverRuns.map(rate).join('  ')}`);
      if (!server.exit()) afterRunsKiB = perScenarioKiB[s.name] = server.rss();
      const measured = (runs: RunResult[]): Measurement | null => (runs.length ? summarize(runs) : null);
      // Without its own alternating bounds, a row is compared with the median of every bound measured so far.
      const boundsOf = bounds.length ? bounds : allBounds;
      const argon2Row = !s.argon2Bound || !boundsOf.length ? null : bounds.length
        ? { verifiesPerSecond: bounds.map((b) => b.verifiesPerSecond), cpuUsPerVerify: median(bounds.map((b) => b.cpuUsPerVerify)) }
        : { verifiesPerSecond: [median(allBounds.map((b) => b.verifiesPerSecond))], cpuUsPerVerify: median(allBounds.map((b) => b.cpuUsPerVerify)) };
      rows.push(makeRow(s.name, s.title, summarize(serverRuns), measured(floorRuns.fastify), measured(floorRuns.db), argon2Row, target));
    }

    let soak: Soak | null = null;
    if (cfg.soak && soakDir && !server.exit()) soak = await runSoak(cfg, bench, server, p, soakDir);

    const growth = afterWarmupKiB && afterRunsKiB ? (afterRunsKiB - afterWarmupKiB) / afterWarmupKiB : null;
    const report: Report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      environment: {
        database: db.label,
        node: process.version,
        cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
        pinned: cfg.pin,
        generator,
        generatorNote,
        floorFastify: floor.fastify,
        connections: cfg.connections,
        flowWorkers: cfg.flowWorkers,
        warmup: cfg.warmup,
        runs: cfg.runs,
        duration: cfg.duration,
        uvThreadpoolSize: cfg.threadpoolSize,
        dbFloor: floor.db !== null,
        dbServerPid: dbPid ?? 0,
        loadAverage: `${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at the end (1-minute)`,
      },
      argon2,
      memory: { afterWarmupKiB, afterRunsKiB, growth, pass: growth === null ? null : growth <= 0.1, perScenarioKiB },
      soak,
      rows,
      comparisons: comparisons(rows),
      problems: [
        ...(buildWarning ? [buildWarning] : []),
        ...(floorFastify.warning ? [floorFastify.warning] : []),
        ...(generatorNote && !useWrk ? [`load generator: ${generatorNote}`] : []),
        ...p.problems,
        ...(server.exit() ? [server.exit()!] : []),
        ...(Math.max(loadAtStart, loadavg()[0]) > cpus().length / 2
          ? [`the machine was busy (load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at the end, on ${cpus().length} CPUs): req/s are unreliable, CPU µs per request less so`]
          : []),
      ],
    };
    const paths = writeResults(report, join(__dirname, 'results'));
    console.log(`\n${terminalTable(report)}\n`);
    log(`results: ${paths.json}, ${paths.md}, ${paths.svg}`);
  } finally {
    await Promise.allSettled([worker?.stop(), floor?.stop(), server?.stop()]);
    await db?.drop().catch((err: Error) => log(`could not drop the bench database: ${err.message}`));
  }
}

const SNAPSHOT_SIGNAL = 'SIGWINCH';

/** Waits until a new .heapsnapshot in `dir` stops growing (the server writes it on SNAPSHOT_SIGNAL). */
async function heapSnapshot(server: RunningServer, dir: string, before: Set<string>): Promise<string | null> {
  server.signal(SNAPSHOT_SIGNAL);
  const deadline = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    const fresh = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (fresh.length) {
      const file = join(dir, fresh[0]);
      const size = existsSync(file) ? statSync(file).size : 0;
      if (size > 0 && size === last) {
        before.add(fresh[0]);
        return file;
      }
      last = size;
    }
  }
  return null;
}

/** BENCH_SOAK: client_credentials for that long; RSS after warm-up vs at the end, a heap snapshot at each. */
async function runSoak(cfg: BenchConfig, bench: Bench, server: RunningServer, p: Provisioned, dir: string): Promise<Soak> {
  const s = SCENARIOS.find((x) => x.name === 'client_credentials')!;
  const warmupSeconds = Math.round(Math.min(60, Math.max(cfg.warmup, cfg.soak / 10, 5)));
  log(`soak: ${warmupSeconds} s warm-up of ${s.name}…`);
  await bench.once(s, server.origin, p, warmupSeconds, server.pid);
  const seen = new Set<string>();
  const snapshots: string[] = [];
  const first = await heapSnapshot(server, dir, seen);
  const repoPath = (file: string) => relative(join(__dirname, '..'), file);
  if (first) snapshots.push(repoPath(first));
  log(`soak: heap snapshot after warm-up: ${first ?? 'none written'}`);
  // A few seconds of load after the snapshot, so that its own allocation has settled before RSS is read.
  await bench.once(s, server.origin, p, 5, server.pid);
  const afterWarmupKiB = server.rss();
  log(`soak: ${cfg.soak} s of ${s.name} (RSS after warm-up ${afterWarmupKiB} KiB)…`);
  const r = await bench.once(s, server.origin, p, cfg.soak, server.pid);
  const endKiB = server.rss();
  const last = await heapSnapshot(server, dir, seen);
  if (last) snapshots.push(repoPath(last));
  log(`soak: ${rate(r)}${r.samples.length ? ` [${r.samples.join(" | ")}]` : ""}; RSS at the end ${endKiB} KiB; heap snapshot: ${last ?? 'none written'}`);
  const growth = afterWarmupKiB && endKiB ? (endKiB - afterWarmupKiB) / afterWarmupKiB : null;
  return {
    seconds: cfg.soak,
    warmupSeconds,
    scenario: s.name,
    rps: r.rps,
    cpuUsPerReq: r.cpuUsPerReq ?? null,
    generatorCpuPct: r.generatorCpuPct ?? null,
    errors: r.non2xx + r.errors,
    afterWarmupKiB,
    endKiB,
    growth,
    pass: growth === null ? null : Math.abs(growth) <= 0.1,
    heapSnapshots: snapshots,
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
