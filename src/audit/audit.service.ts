import { Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { Clock } from '../common/clock';
import { AppLogger } from '../logging/app-logger';
import { MetricsService } from '../metrics/metrics.service';
import { AuditEventFilter, AuditEventsRepository } from './audit-events.repository';
import { AuditEventRow } from './audit-event.entity';

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
  | 'client.changed'
  | 'client.secret_rotated'
  | 'client.deleted'
  | 'client.vetted'
  | 'user.created'
  | 'user.changed'
  | 'user.deleted'
  | 'admin.authentication_failed'
  | 'keys.rotated';

/** Every type, for validating the `type` filter of GET /admin/events. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'sign_in.succeeded', 'sign_in.failed', 'sign_in.locked_out', 'lockout.imposed', 'session.ended', 'consent.given', 'consent.withdrawn',
  'token.issued', 'token.revoked', 'code.replayed', 'refresh_token.replayed', 'client.authentication_failed',
  'client.created', 'client.changed', 'client.secret_rotated', 'client.deleted', 'client.vetted', 'user.created', 'user.changed',
  'user.deleted', 'admin.authentication_failed', 'keys.rotated',
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
/** Beyond this many unwritten events (the database is down) the oldest are dropped: memory is bounded. */
const MAX_QUEUED = 20_000;

/**
 * Records audit events: one structured log line each at once, and a row in `audit_event` written
 * later in batches, off the request path (a token request never waits for its audit row). The
 * queue is written out when the server shuts down.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly log: Logger;
  private queue: Array<Omit<AuditEventRow, 'id'>> = [];
  private writing: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly events: AuditEventsRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
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
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(row);
    this.metrics.auditQueued.set(this.queue.length);
    if (!this.writing) this.writing = new Promise((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every event recorded so far is written (or given up on). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  list(filter: AuditEventFilter, limit: number, offset: number): Promise<[AuditEventRow[], number]> {
    return this.events.list(filter, limit, offset);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, MAX_BATCH);
        this.metrics.auditQueued.set(this.queue.length);
        try {
          await this.events.insertMany(batch);
        } catch (err) {
          // The log line of each event is already written; the rows are lost, and we say so once.
          this.log.error({ error: (err as Error).message, lost: batch.length }, 'could not store audit events');
        }
      }
      if (this.dropped) {
        this.log.error({ lost: this.dropped }, 'audit queue overflowed: events dropped');
        this.dropped = 0;
      }
    } finally {
      this.writing = null;
    }
  }
}
