/** One measured (or warm-up) run of one scenario against one target. */
export interface RunResult {
  /** Completed requests (or flows) per second, whatever their status. */
  rps: number;
  /** Latency in milliseconds. */
  p50: number;
  p99: number;
  completed: number;
  non2xx: number;
  /** Connection errors and timeouts (and, for loops, failed steps that were not an HTTP status). */
  errors: number;
  statusCounts: Record<string, number>;
  /** A few distinct failure descriptions, e.g. `POST /oauth/token → 404`. */
  samples: string[];
  /** The load generator's CPU use over the run, % of one core (wrk's own /proc/self/stat, or the load worker's). */
  generatorCpuPct?: number | null;
  /** CPU µs per completed request of the process under load (server or floor), from /proc/<pid>/stat. */
  cpuUsPerReq?: number | null;
  /** The same for the local MySQL/MariaDB server, when its process is visible. */
  dbCpuUsPerReq?: number | null;
  /** Which generator ran: wrk, autocannon, or the custom Node loops. */
  generator?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Collects what a custom loop measured. */
export class Recorder {
  private readonly latencies: number[] = [];
  readonly statusCounts: Record<string, number> = {};
  readonly samples = new Set<string>();
  non2xx = 0;
  errors = 0;

  /** A wanted answer; `status` may name it more closely than the code (e.g. `400 authorization_pending`). */
  ok(ms: number, status: number | string = 200): void {
    this.latencies.push(ms);
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
  }

  failed(ms: number, sample: string, status?: number): void {
    this.latencies.push(ms);
    if (status === undefined) this.errors++;
    else {
      this.non2xx++;
      this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    }
    if (this.samples.size < 3) this.samples.add(sample.slice(0, 200));
  }

  result(elapsedMs: number): RunResult {
    const sorted = this.latencies.sort((a, b) => a - b);
    return {
      rps: sorted.length / (elapsedMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      completed: sorted.length,
      non2xx: this.non2xx,
      errors: this.errors,
      statusCounts: this.statusCounts,
      samples: [...this.samples],
    };
  }
}
