/**
 * The password grant's bound: argon2id verifications per second at the server's parameters
 * (ARGON2_* or the defaults m=19456 KiB, t=2, p=1), on the server's CPU with its UV_THREADPOOL_SIZE.
 * Run as a child process so it gets exactly the server's CPU and thread pool.
 */
import { spawnSync } from 'node:child_process';
import * as argon2 from 'argon2';
import { benchEntry } from './proc';

export interface Argon2Bound {
  verifiesPerSecond: number;
  /** CPU µs (all threads of the measuring process) per verify. */
  cpuUsPerVerify: number;
  verifies: number;
  seconds: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  threadpoolSize: number;
}

async function main(): Promise<void> {
  const duration = Number(process.env.BENCH_ARGON2_SECONDS) || 3;
  const params = {
    memoryCost: Number(process.env.ARGON2_MEMORY_KIB) || 19_456,
    timeCost: Number(process.env.ARGON2_TIME_COST) || 2,
    parallelism: Number(process.env.ARGON2_PARALLELISM) || 1,
  };
  const threadpoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const hash = await argon2.hash('bench-password-123', { type: argon2.argon2id, ...params });
  await argon2.verify(hash, 'bench-password-123'); // warm-up
  let verifies = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + duration * 1000;
  // Keep the thread pool full, as concurrent password grants do.
  await Promise.all(
    Array.from({ length: threadpoolSize }, async () => {
      while (performance.now() < deadline) {
        if (!(await argon2.verify(hash, 'bench-password-123'))) throw new Error('argon2 verify failed');
        verifies++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUsPerVerify = verifies ? (cpu.user + cpu.system) / verifies : 0;
  const result: Argon2Bound = { verifiesPerSecond: verifies / seconds, cpuUsPerVerify, verifies, seconds, ...params, threadpoolSize };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Measures the bound in a child process (under `taskset -c <cpu>` when given). */
export function measureArgon2Bound(cpu: number | null, seconds: number, threadpoolSize: number): Argon2Bound {
  const args = [...(cpu === null ? [] : ['-c', String(cpu), process.execPath]), ...benchEntry('argon2-bound')];
  const res = spawnSync(cpu === null ? process.execPath : 'taskset', args, {
    env: { ...process.env, UV_THREADPOOL_SIZE: String(threadpoolSize), BENCH_ARGON2_SECONDS: String(seconds) },
    encoding: 'utf8',
    timeout: (seconds + 60) * 1000,
  });
  if (res.status !== 0) throw new Error(`argon2 measurement failed: ${res.stderr || res.error?.message}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Argon2Bound;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
