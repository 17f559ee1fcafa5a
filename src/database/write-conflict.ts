import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError } from './database-unavailable.error';

/**
 * Write conflicts: on a multi-primary cluster (MariaDB Galera) two transactions that change the
 * same row on different nodes both run to COMMIT; the one certified second is rolled back there
 * with ER_LOCK_DEADLOCK (1213), where a single server would have made it wait on the row lock.
 * A lock wait timeout (1205) is the single server's form of the same thing.
 *
 * A rolled-back transaction changed nothing, so running it again is always safe, and it is what
 * makes a conflict an answer: the retry of a single-use UPDATE (`… WHERE used_at IS NULL`) now
 * finds the winner's row and affects nothing, so the loser gets the same `invalid_grant` it gets
 * on one server; an idempotent write (a token INSERT, a counter) simply goes through. A retry
 * that keeps losing gives up with DatabaseUnavailableError (503 with Retry-After), never a 500.
 */
export const ER_LOCK_DEADLOCK = 1213;
export const ER_LOCK_WAIT_TIMEOUT = 1205;

export function isWriteConflict(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

export interface WriteConflictOptions {
  /** Runs of `work` in all, the first included. */
  attempts: number;
  /** The first pause between runs; each next one doubles, with full jitter. */
  baseDelayMs: number;
  /** How long a burst of conflicts is summed up before its one log line. */
  burstMs: number;
}

const DEFAULTS: WriteConflictOptions = { attempts: 6, baseDelayMs: 4, burstMs: 1000 };

export class WriteConflicts {
  private readonly logger = new Logger('Database');
  private readonly options: WriteConflictOptions;
  private burst: { conflicts: number; retried: number; gaveUp: number; started: number } | null = null;
  /** Every conflict since start (for tests and figures). */
  total = 0;

  constructor(options: Partial<WriteConflictOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Runs `work`; on a write conflict runs it again after a short random pause, a bounded number of times. */
  async retry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (!isWriteConflict(err)) throw err;
        const last = attempt >= this.options.attempts;
        this.note(last);
        if (last) {
          throw new DatabaseUnavailableError(`write conflict persisted after ${attempt} attempts`, 1, err);
        }
        // Full jitter: contenders that collided once spread out instead of colliding again.
        await new Promise((r) => setTimeout(r, Math.random() * this.options.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  /** One log line per burst of conflicts, however many requests it touched. */
  private note(gaveUp: boolean): void {
    this.total++;
    if (!this.burst) {
      this.burst = { conflicts: 0, retried: 0, gaveUp: 0, started: Date.now() };
      setTimeout(() => this.flush(), this.options.burstMs).unref();
    }
    this.burst.conflicts++;
    if (gaveUp) this.burst.gaveUp++;
    else this.burst.retried++;
  }

  private flush(): void {
    const burst = this.burst;
    this.burst = null;
    if (!burst) return;
    this.logger.warn(
      `write conflicts (another node or transaction changed the same rows): ${burst.conflicts} in ${Date.now() - burst.started} ms, ` +
        `${burst.retried} retried, ${burst.gaveUp} gave up (503)`,
    );
  }
}
