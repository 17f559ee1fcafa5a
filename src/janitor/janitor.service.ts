import { Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { Db } from '../database/db';
import { Leases } from '../database/leases';
import { AppLogger } from '../logging/app-logger';

/**
 * Rows of one table the purge may delete: `where` is an SQL condition over that table's columns,
 * given the current time in epoch seconds.
 */
export interface PurgeTarget {
  /** Name in reports (`codes`, `tokens`, ...). */
  name: string;
  table: string;
  where(now: number): { sql: string; params: unknown[] };
}

/**
 * A clean-up a feature owns and the purge runs after the tables: for rows whose removal needs the
 * feature's own rules (a deleted client must leave the client cache). Answers the rows removed.
 */
export interface PurgeTask {
  name: string;
  run(now: number): Promise<number>;
}

export interface PurgeReport {
  deleted: Record<string, number>;
  ms: number;
}

/** Rows per DELETE: small enough that no statement holds its locks for long. */
const BATCH = 1000;
/** The lease row of the scheduled purge. */
const LEASE = 'janitor';
/** While a purge runs its lease is held this far ahead (ms), renewed after every batch. */
const LEASE_MS = 60_000;

/**
 * Deletes rows nobody can use any more: expired codes, tokens past their refresh lifetime,
 * revoked ones after a grace period, ended sign-in sessions, expired pending authorization requests
 * and brute-force counters, old audit events. Each table is walked once in primary-key order: a plain SELECT finds
 * the next ids (no locks on MySQL's consistent read), then `DELETE ... WHERE id IN (...)` locks
 * those rows only, so token inserts at the end of the table never wait on a gap lock.
 *
 * Scheduled purges (PURGE_INTERVAL, set on every instance) run on one instance at a time: each tick
 * takes the `janitor` lease first and skips when another instance holds it; a finished purge keeps
 * the lease until the next interval starts, so the cluster purges once per interval.
 */
@Injectable()
export class JanitorService implements OnApplicationShutdown {
  private readonly targets: PurgeTarget[];
  private readonly tasks: PurgeTask[] = [];
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PurgeReport> | null = null;
  private stopped = false;
  /** A scheduled purge holding the lease is running: each batch renews it. */
  private leased = false;

  constructor(
    private readonly db: Db,
    private readonly leases: Leases,
    config: AppConfig,
    private readonly clock: Clock,
    @Optional() logger?: AppLogger,
  ) {
    this.log = (logger?.pino ?? pino({ level: 'silent' })).child({ log: 'janitor' });
    const grace = config.purgeRevokedGrace;
    this.targets = [
      // Kept for the grace period after expiry: a used code presented again within it still
      // revokes what was issued from it (RFC 6749 §4.1.2).
      { name: 'codes', table: 'oauth2_code', where: (now) => ({ sql: 'expires_at < ?', params: [now - grace] }) },
      {
        name: 'tokens',
        table: 'oauth2_token',
        // Past the refresh lifetime (or the access lifetime of a token without refresh token);
        // or revoked (both halves) more than the grace period ago. A rotated row (only its refresh
        // token retired) stays until its lifetime ends: a replay of it must still be recognised.
        where: (now) => ({
          sql:
            '((refresh_token_hash IS NULL AND issued_at + expires_in < ?) OR issued_at + ? * expires_in < ? ' +
            'OR (access_token_revoked_at < ? AND (refresh_token_hash IS NULL OR refresh_token_revoked_at < ?)))',
          params: [now, config.refreshTokenTtlFactor, now, now - grace, now - grace],
        }),
      },
      // Sign-in sessions ended or expired more than the grace period ago (the admin API lists them until then).
      {
        name: 'sessions',
        table: 'user_session',
        where: (now) => ({ sql: '(ended_at < ? OR expires_at < ?)', params: [now - grace, now - grace] }),
      },
      { name: 'pending_requests', table: 'oauth2_pending_request', where: (now) => ({ sql: 'expires_at < ?', params: [now] }) },
      // Kept for the grace period after expiry, like codes: a late poll still hears expired_token, not an unknown code.
      { name: 'device_codes', table: 'oauth2_device_code', where: (now) => ({ sql: 'expires_at < ?', params: [now - grace] }) },
      { name: 'pushed_requests', table: 'oauth2_pushed_request', where: (now) => ({ sql: 'expires_at < ?', params: [now] }) },
      { name: 'used_jtis', table: 'oauth2_used_jti', where: (now) => ({ sql: 'expires_at < ?', params: [now] }) },
      { name: 'throttle_counters', table: 'auth_throttle', where: (now) => ({ sql: 'expires_at < ?', params: [now] }) },
      {
        name: 'audit_events',
        table: 'audit_event',
        where: (now) => ({ sql: 'occurred_at < ?', params: [now - config.auditRetentionDays * 86_400] }),
      },
    ];
  }

  /** Adds a feature's clean-up to every purge (called once, at start). */
  addTask(task: PurgeTask): void {
    this.tasks.push(task);
  }

  /** One full purge; a second call while one runs joins it. */
  purge(): Promise<PurgeReport> {
    this.running ??= this.purgeAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Purges every `seconds` (PURGE_INTERVAL) until shutdown, when this instance gets the lease. */
  schedule(seconds: number): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        this.purgeWithLease(seconds)
          .then((report) => (report ? this.log.info({ ...report }, 'purge done') : this.log.debug('purge skipped: another instance holds the lease')))
          .catch((err: Error) => this.log.error({ error: err.message }, 'purge failed'))
          .finally(() => {
            if (!this.stopped) tick();
          });
      }, seconds * 1000);
      this.timer.unref();
    };
    tick();
  }

  /** One purge if no other instance has purged (or is purging) in this interval; null otherwise. */
  async purgeWithLease(seconds: number): Promise<PurgeReport | null> {
    const started = Date.now();
    if (!(await this.leases.acquire(LEASE, started + LEASE_MS))) return null;
    this.leased = true;
    try {
      return await this.purge();
    } finally {
      this.leased = false;
      // Held until this interval ends: the other instances' ticks before then skip.
      await this.leases.extend(LEASE, started + seconds * 1000).catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async purgeAll(): Promise<PurgeReport> {
    const started = Date.now();
    const now = this.clock.now();
    const deleted: Record<string, number> = {};
    for (const target of this.targets) {
      if (this.stopped) break;
      deleted[target.name] = await this.purgeTable(target, now);
    }
    for (const task of this.tasks) {
      if (this.stopped) break;
      deleted[task.name] = await task.run(now);
    }
    return { deleted, ms: Date.now() - started };
  }

  private async purgeTable(target: PurgeTarget, now: number): Promise<number> {
    const { sql, params } = target.where(now);
    let after = 0;
    let total = 0;
    for (;;) {
      const rows = await this.db.query<{ id: number }>(
        `SELECT id FROM ${target.table} WHERE id > ? AND ${sql} ORDER BY id LIMIT ${BATCH}`,
        [after, ...params],
      );
      if (!rows.length) return total;
      const ids = rows.map((r) => Number(r.id));
      const { affected } = await this.db.execute(`DELETE FROM ${target.table} WHERE id IN (${ids.map(() => '?').join(', ')}) AND ${sql}`, [...ids, ...params]);
      total += affected;
      after = ids[ids.length - 1];
      if (this.leased && !(await this.leases.extend(LEASE, Date.now() + LEASE_MS))) return total;
      if (rows.length < BATCH || this.stopped) return total;
      // Let waiting requests run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
