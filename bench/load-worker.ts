/**
 * The Node load generator: a child process pinned to the other CPU, taking jobs over IPC.
 * `refresh` and `authcode` jobs run the custom loops, `assertion`, `dpop` and `device` the loops that
 * build (and sign) each request on the spot; `http` jobs run autocannon in-process, the
 * fallback when wrk (wrk.ts, which the bench prefers for them) is not installed.
 */
import { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { authorizationCodeFlows, AuthCodeJob, refreshChains, RefreshJob } from './flows';
import { benchEntry, spawnPinned, stopChild } from './proc';
import { AssertionJob, assertionGrants, DevicePollJob, devicePolls, DpopProfileJob, dpopProfiles } from './signed';
import { RunResult } from './stats';

export interface HttpJob {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
}

export type Job =
  | ({ kind: 'http' } & HttpJob)
  | ({ kind: 'refresh' } & RefreshJob)
  | ({ kind: 'authcode' } & AuthCodeJob)
  /** Requests built one by one (signed.ts): a fresh client assertion, a fresh DPoP proof, a paced device poll. */
  | ({ kind: 'assertion' } & AssertionJob)
  | ({ kind: 'dpop' } & DpopProfileJob)
  | ({ kind: 'device' } & DevicePollJob);

/** The result, plus the refresh chains' latest tokens for `refresh` jobs. */
export type JobResult = RunResult & { chains?: string[] };

async function runHttp(job: HttpJob): Promise<RunResult> {
  if (new URL(job.url).hostname !== '127.0.0.1') throw new Error(`refusing non-loopback URL ${job.url}`);
  const r = await autocannon({
    url: job.url, method: job.method, headers: job.headers, body: job.body,
    connections: job.connections, pipelining: 1, duration: job.duration, timeout: 30,
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats ?? {})) statusCounts[code] = count;
  const bad = Object.keys(statusCounts).filter((c) => !c.startsWith('2'));
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    completed: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statusCounts,
    samples: [
      ...bad.map((c) => `${job.method} ${new URL(job.url).pathname} → ${c}`),
      ...(r.errors + r.timeouts ? [`${job.method} ${new URL(job.url).pathname}: ${r.errors} connection errors, ${r.timeouts} timeouts`] : []),
    ],
  };
}

function runJob(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'http':
      return runHttp(job);
    case 'refresh':
      return refreshChains(job);
    case 'authcode':
      return authorizationCodeFlows(job);
    case 'assertion':
      return assertionGrants(job);
    case 'dpop':
      return dpopProfiles(job);
    case 'device':
      return devicePolls(job);
  }
}

interface Request {
  id: number;
  job: Job;
}
type Reply = { id: number; result: JobResult } | { id: number; error: string };

if (require.main === module) {
  process.on('message', (msg: Request) => {
    runJob(msg.job).then(
      (result) => process.send!({ id: msg.id, result } satisfies Reply),
      (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

export interface LoadWorker {
  pid: number;
  run(job: Job): Promise<JobResult>;
  stop(): Promise<void>;
}

/** Spawns the load worker (pinned to `cpu`); jobs run one at a time. */
export function startLoadWorker(cpu: number | null): LoadWorker {
  const child: ChildProcess = spawnPinned(cpu, process.execPath, benchEntry('load-worker'), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) p?.reject(new Error(reply.error));
    else p?.resolve(reply.result);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`load worker exited with code ${code}`));
    pending.clear();
  });
  return {
    pid: child.pid!,
    run: (job) =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || !child.connected) return reject(new Error('load worker is not running'));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, job } satisfies Request);
      }),
    stop: async () => {
      if (child.connected) child.disconnect();
      await stopChild(child, 2000);
    },
  };
}
