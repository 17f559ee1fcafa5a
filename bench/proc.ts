import { ChildProcess, spawn, spawnSync, SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Child processes of this run: every one is killed when the bench exits, however it exits. */
const children = new Set<ChildProcess>();

function killAll(signal: NodeJS.Signals): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}
process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    killAll('SIGTERM');
    process.exit(130);
  });
}

/** Spawns a command, under `taskset -c <cpu>` when pinning is on (taskset execs it: the pid is the command's). */
export function spawnPinned(cpu: number | null, cmd: string, args: string[], opts: SpawnOptions): ChildProcess {
  const child = cpu === null ? spawn(cmd, args, opts) : spawn('taskset', ['-c', String(cpu), cmd, ...args], opts);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** node + args to run a sibling bench file, from the .ts sources (ts-node) or the compiled .js. */
export function benchEntry(name: string): string[] {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, `${name}.${ts ? 'ts' : 'js'}`);
  return ts ? ['-r', 'ts-node/register/transpile-only', file] : [file];
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a process in KiB (VmRSS), or null when it is gone. */
export function rssKiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Pins this (orchestrating) process to the load generator's CPU so it never steals the server's. */
export function pinSelf(cpu: number): void {
  spawnSync('taskset', ['-a', '-pc', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let clkTck: number | null = null;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (getconf CLK_TCK, usually 100). */
export function clockTicks(): number {
  if (clkTck === null) {
    const res = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(res.stdout?.trim());
    clkTck = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clkTck;
}

/** CPU seconds (user + system, all threads) a live process has used so far, or null when it is gone. */
export function cpuSeconds(pid: number | null | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** Pid of a local process by name (e.g. the MySQL server), when exactly one runs; null otherwise. */
export function pidOf(...names: string[]): number | null {
  for (const name of names) {
    const res = spawnSync('pidof', [name], { encoding: 'utf8' });
    const pids = (res.stdout ?? '').trim().split(/\s+/).filter(Boolean);
    if (pids.length === 1) return Number(pids[0]);
  }
  return null;
}

/** Whether an executable is on PATH. */
export function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, cmd)));
}
