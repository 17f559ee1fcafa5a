import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Db } from '../database/db';
import { HttpMetrics } from './http-metrics';

/**
 * Prometheus metrics of this process, in a registry of its own (several apps in one test process
 * must not share counters). Other features increment what they own, e.g. `metrics.lockouts.inc()`.
 * Only the collection lives here, so the domain modules (tokens, audit, throttle) can count without
 * knowing HTTP; the scrape endpoint is src/metrics-http/.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  /** HTTP requests by method, route and status: a counter and a latency histogram. */
  readonly http = new HttpMetrics(this.registry, [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

  readonly tokensIssued = new Counter({
    name: 'gatehouse_tokens_issued_total',
    help: 'Access tokens issued, by grant type',
    labelNames: ['grant_type'] as const,
    registers: [this.registry],
  });

  readonly tokenErrors = new Counter({
    name: 'gatehouse_token_endpoint_errors_total',
    help: 'Error answers of the token endpoint, by RFC 6749 §5.2 error code',
    labelNames: ['error'] as const,
    registers: [this.registry],
  });

  readonly lockouts = new Counter({
    name: 'gatehouse_lockouts_total',
    help: 'Locks imposed after repeated failed credentials, by what was guessed (password, client, signup, admin) and which counter locked (account_ip, account, ip, device)',
    labelNames: ['kind', 'counter'] as const,
    registers: [this.registry],
  });

  readonly groupCommitBatch = new Histogram({
    name: 'gatehouse_token_group_commit_batch_size',
    help: 'Token rows per grouped INSERT',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200],
    registers: [this.registry],
  });

  readonly auditQueued = new Gauge({
    name: 'gatehouse_audit_events_queued',
    help: 'Audit events waiting to be written',
    registers: [this.registry],
  });

  readonly auditDropped = new Counter({
    name: 'gatehouse_audit_events_dropped_total',
    help: 'Audit events never stored: the queue was full while the database could not take them',
    registers: [this.registry],
  });

  readonly auditWriteFailures = new Counter({
    name: 'gatehouse_audit_write_failures_total',
    help: 'Audit batches the database refused (each is kept and retried)',
    registers: [this.registry],
  });

  constructor(db: Db) {
    new Gauge({
      name: 'gatehouse_db_pool_connections',
      help: 'Database connections of this process, by state (MySQL pool; SQLite has one)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = db.poolStats();
        this.set({ state: 'in_use' }, stats.inUse);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'max' }, stats.max);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
