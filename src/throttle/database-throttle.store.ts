import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { ThrottleCounterRow } from './throttle-counter.entity';
import { ThrottleCounter, ThrottlePolicy, counterExpiresAt, nextCounter } from './throttle-policy';
import { ThrottleStore } from './throttle.store';

const ATTEMPTS = 10;

const THROTTLE = new TableColumns<ThrottleCounterRow>('auth_throttle', {
  id: 'id',
  keyHash: 'key_hash',
  failures: 'failures',
  windowStart: 'window_start',
  lockedUntil: 'locked_until',
  expiresAt: 'expires_at',
});

function toCounter(r: Row): ThrottleCounter {
  return { failures: Number(r.failures), windowStart: Number(r.window_start), lockedUntil: Number(r.locked_until) };
}

/**
 * Counters in `auth_throttle`. A failure is read-then-compare-and-set (the UPDATE matches only the
 * row as read; the INSERT loses to a concurrent one on the unique key_hash), retried until it lands:
 * portable across SQLite and MySQL, and every concurrent failure is counted once.
 */
@Injectable()
export class DatabaseThrottleStore extends ThrottleStore {
  constructor(private readonly db: Db) {
    super();
  }

  async read(keys: string[]): Promise<Array<ThrottleCounter | null>> {
    if (keys.length === 0) return [];
    const rows = await this.db.query(
      `SELECT ${THROTTLE.list} FROM ${THROTTLE.table} WHERE key_hash IN (${keys.map(() => '?').join(', ')})`,
      keys,
    );
    const byKey = new Map(rows.map((r) => [r.key_hash as string, toCounter(r)]));
    return keys.map((k) => byKey.get(k) ?? null);
  }

  async fail(key: string, policy: ThrottlePolicy, now: number): Promise<ThrottleCounter> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const [previous] = await this.read([key]);
      const next = nextCounter(previous, policy, now);
      const expiresAt = counterExpiresAt(next, policy);
      if (!previous) {
        try {
          await this.db.execute(THROTTLE.insert(), THROTTLE.insertValues({ keyHash: key, ...next, expiresAt }));
          if (Math.random() < 0.02) await this.db.execute(`DELETE FROM ${THROTTLE.table} WHERE expires_at < ?`, [now]);
          return next;
        } catch {
          continue; // another instance inserted it first: count on top of theirs
        }
      }
      const { affected } = await this.db.execute(
        `UPDATE ${THROTTLE.table} SET failures = ?, window_start = ?, locked_until = ?, expires_at = ? WHERE key_hash = ? AND failures = ? AND window_start = ?`,
        [next.failures, next.windowStart, next.lockedUntil, expiresAt, key, previous.failures, previous.windowStart],
      );
      if (affected === 1) return next;
    }
    throw new Error('could not record a failed attempt');
  }

  async reset(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.execute(`DELETE FROM ${THROTTLE.table} WHERE key_hash IN (${keys.map(() => '?').join(', ')})`, keys);
  }
}
