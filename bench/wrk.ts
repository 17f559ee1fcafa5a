/**
 * wrk (a C load generator) for the plain HTTP scenarios: one small Lua script per job sets the
 * method, headers and body, and its done() hook prints one JSON line with the request count, the
 * duration, latency percentiles, the error counts (non-2xx: wrk counts status ≥ 400 in
 * summary.errors.status) and wrk's own CPU time read from /proc/self/stat at start and end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpJob } from './load-worker';
import { clockTicks, onPath, spawnPinned } from './proc';
import { RunResult } from './stats';

export const wrkAvailable = (): boolean => onPath('wrk');

/** A Lua string literal (decimal escapes for everything outside printable ASCII, quotes and backslash). */
function lua(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b}`;
  }
  return `${out}"`;
}

/** The per-job script: request shape, plus the JSON report of done(). */
export function wrkScript(job: HttpJob): string {
  const lines = [`wrk.method = ${lua(job.method)}`];
  if (job.body !== undefined) lines.push(`wrk.body = ${lua(job.body)}`);
  for (const [k, v] of Object.entries(job.headers)) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  lines.push(`
local function cpu_ticks()
  local f = io.open("/proc/self/stat", "r")
  if not f then return -1 end
  local s = f:read("*a")
  f:close()
  local fields = {}
  for w in s:sub(s:find("%) ") + 2):gmatch("%S+") do fields[#fields + 1] = w end
  -- fields[1] is stat field 3 (state): utime (14) and stime (15) are fields[12] and fields[13]
  return tonumber(fields[12]) + tonumber(fields[13])
end

-- The main Lua state loads this script before the threads start; done() runs in it after they end.
local ticks_start = cpu_ticks()

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"cpu_ticks":%d}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    cpu_ticks() - ticks_start))
end
`);
  return `${lines.join('\n')}\n`;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number };
  cpu_ticks: number;
}

/** Runs one HTTP job with wrk (one thread, on `cpu` when given). */
export function runWrk(job: HttpJob, cpu: number | null): Promise<RunResult> {
  const url = new URL(job.url);
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`refusing non-loopback URL ${job.url}`));
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-wrk-'));
  const script = join(dir, 'job.lua');
  writeFileSync(script, wrkScript(job));
  const duration = Math.max(1, Math.round(job.duration));
  const args = ['-t1', `-c${Math.max(1, job.connections)}`, `-d${duration}s`, '--timeout', '30s', '-s', script, job.url];
  const child = spawnPinned(cpu, 'wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    child.on('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '));
      if (!line) return reject(new Error(`wrk exited (${code ?? signal}) without a result: ${(err || out).trim().slice(0, 300)}`));
      const r = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkResult;
      const seconds = r.duration_us / 1e6;
      const e = r.errors;
      const connErrors = e.connect + e.read + e.write + e.timeout;
      const path = `${job.method} ${url.pathname}`;
      resolve({
        rps: seconds > 0 ? r.requests / seconds : 0,
        p50: r.latency_us.p50 / 1000,
        p99: r.latency_us.p99 / 1000,
        completed: r.requests,
        non2xx: e.status,
        errors: connErrors,
        // wrk only counts statuses ≥ 400 (without telling which): the bench probes one request to name it.
        statusCounts: e.status ? { '4xx/5xx': e.status } : {},
        samples: [
          ...(e.status ? [`${path}: ${e.status} responses with status ≥ 400`] : []),
          ...(connErrors ? [`${path}: ${e.connect} connect, ${e.read} read, ${e.write} write errors, ${e.timeout} timeouts`] : []),
        ],
        generatorCpuPct: r.cpu_ticks >= 0 && seconds > 0 ? (100 * r.cpu_ticks) / clockTicks() / seconds : null,
      });
    });
  });
}
