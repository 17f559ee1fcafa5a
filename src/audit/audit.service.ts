import { Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { Clock } from '../common/clock';
import { AppLogger } from '../logging/app-logger';
import { MetricsService } from '../metrics/metrics.service';
import { AuditEventFilter, AuditEventsRepository } from './audit-events.repository';
import { AuditEventRow } from './audit-event.entity';
import { Db } from '../database/db';

/** The security-relevant acts the server records. */
export type AuditEventType =
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_in.locked_out'
  | 'lockout.imposed'
  | 'session.ended'
  | 'consent.given'
  | 'consent.withdrawn'
  | 'token.issued'
  | 'token.revoked'
  | 'code.replayed'
  | 'refresh_token.replayed'
  | 'client.authentication_failed'
  | 'client.created'
  | 'client.registered'
  | 'client.registration_refused'
  | 'client.changed'
  | 'client.secret_rotated'
  | 'client.deleted'
  | 'client.vetted'
  | 'user.created'
  | 'user.changed'
  | 'user.deleted'
  | 'admin.authentication_failed'
  | 'keys.rotated'
  | 'resource.created'
  | 'resource.deleted'
  | 'device_code.approved'
  | 'device_code.denied'
  | 'device_code.replayed';

/** Every type, for validating the `type` filter of GET /admin/events. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'sign_in.succeeded', 'sign_in.failed', 'sign_in.locked_out', 'lockout.imposed', 'session.ended', 'consent.given', 'consent.withdrawn',
  'token.issued', 'token.revoked', 'code.replayed', 'refresh_token.replayed', 'client.authentication_failed',
  'client.created', 'client.registered', 'client.registration_refused', 'client.changed', 'client.secret_rotated', 'client.deleted', 'client.vetted',
  'user.created', 'user.changed', 'user.deleted', 'admin.authentication_failed', 'keys.rotated', 'resource.created', 'resource.deleted',
  'device_code.approved', 'device_code.denied', 'device_code.replayed',
];

export interface AuditEvent {
  type: AuditEventType;
  userId?: number | null;
  clientId?: string | null;
  /** The client IP of the request that caused the event (`request.ip`); null when none did (CLI, jobs). */
  ip?: string | null;
  /** Anything else worth keeping: never a secret, token, code, password or cookie. */
  detail?: Record<string, string | number | boolean | null>;
}

/** Rows per INSERT: 6 parameters each stays far below both drivers' limits. */
const MAX_BATCH = 500;
/**
 * Beyond this many unwritten events (the database has refused them for a while) the oldest are
 * dropped, counted and logged once: memory stays bounded through a long outage.
 */
export const MAX_QUEUED = 20_000;
/** Wait before retrying a refused batch: doubles from the first to the last. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Records audit events: one structured log line each at once, and a row in `audit_event` written
 * later in batches, off the request path (a token request never waits for its audit row).
 *
 * The writer runs outside any request's transaction (it is started from inside them): its rows
 * never join, nor wait for, a transaction that may roll back or has ended. A batch the database
 * refuses is kept and retried with backoff; only past MAX_QUEUED are the oldest events dropped.
 * The queue is written out when the server shuts down.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly log: Logger;
  private queue: Array<Omit<AuditEventRow, 'id'>> = [];
  private writing: Promise<void> | null = null;
  /** Events dropped since the queue last overflowed (logged once per overflow). */
  private dropped = 0;
  /** Refused attempts in a row (0: the last write succeeded). */
  private failures = 0;
  private closing = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly events: AuditEventsRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly db: Db,
    // Absent only in unit specs that compose a few modules: they read the rows, not the lines.
    @Optional() logger?: AppLogger,
  ) {
    this.log = (logger?.pino ?? pino({ level: 'silent' })).child({ log: 'audit' });
  }

  record(event: AuditEvent): void {
    const ip = event.ip ?? null;
    const row = {
      type: event.type,
      occurredAt: this.clock.now(),
      userId: event.userId ?? null,
      clientId: event.clientId ?? null,
      ip,
      detail: event.detail && Object.keys(event.detail).length ? JSON.stringify(event.detail) : null,
    };
    this.log.info({ audit: event.type, user_id: row.userId, client_id: row.clientId, ip, detail: event.detail }, `audit ${event.type}`);
    this.queue.push(row);
    this.bound();
    this.metrics.auditQueued.set(this.queue.length);
    // Scheduled outside the caller's transaction: the drain and its statements must not inherit it.
    if (!this.writing) this.writing = this.db.outsideTransaction(() => new Promise((resolve) => setImmediate(resolve)).then(() => this.drain()));
  }

  /**
   * Resolves once every event recorded so far is written (or, when shutting down, given up on).
   * With `maxWaitMs`, resolves after that long at the latest (the database may be refusing them).
   */
  async flush(maxWaitMs?: number): Promise<void> {
    const deadline = maxWaitMs === undefined ? Infinity : Date.now() + maxWaitMs;
    while (this.writing && Date.now() < deadline) {
      if (maxWaitMs === undefined) await this.writing;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.writing, new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now())))]);
        clearTimeout(timer);
      }
    }
  }

  list(filter: AuditEventFilter, limit: number, offset: number): Promise<[AuditEventRow[], number]> {
    return this.events.list(filter, limit, offset);
  }

  /** Shutting down: a batch refused from now on is tried once more, then logged as lost. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.flush();
  }

  /** Past MAX_QUEUED, the oldest events go: counted, and said once per overflow. */
  private bound(): void {
    const excess = this.queue.length - MAX_QUEUED;
    if (excess <= 0) return;
    this.queue.splice(0, excess);
    this.metrics.auditDropped.inc(excess);
    if (this.dropped === 0) this.log.error({ max_queued: MAX_QUEUED }, `audit queue full (${MAX_QUEUED} events unwritten): dropping the oldest until the database takes them`);
    this.dropped += excess;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        this.metrics.auditQueued.set(this.queue.length);
        try {
          await this.events.insertMany(batch);
        } catch (err) {
          this.metrics.auditWriteFailures.inc();
          if (this.closing && this.failures > 0) {
            const lost = batch.length + this.queue.length;
            this.queue = [];
            this.metrics.auditDropped.inc(lost);
            this.log.error({ error: (err as Error).message, lost }, `shutting down: ${lost} audit events could not be stored`);
            break;
          }
          if (this.failures++ === 0) {
            this.log.error({ error: (err as Error).message, queued: batch.length + this.queue.length }, 'could not store audit events: keeping them and retrying');
          }
          // Back in front, in order; the bound applies to what came in meanwhile.
          this.queue.unshift(...batch);
          this.bound();
          this.metrics.auditQueued.set(this.queue.length);
          await this.pause(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(this.failures - 1, 16)));
          continue;
        }
        if (this.failures > 0) {
          this.log.info({ failed_attempts: this.failures, dropped: this.dropped }, 'audit events stored again');
          this.failures = 0;
        }
      }
      this.dropped = 0;
    } finally {
      this.writing = null;
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
