import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError } from './database-unavailable.error';

/**
 * What kind of outage an error means:
 * - `connection`: the server cannot be reached or dropped the connection (MySQL); nothing works.
 * - `write`: the database answers but cannot store (SQLite: disk full, read-only file, I/O error,
 *   locked by another process past the busy timeout); reads may still work.
 * Null: an ordinary error of this statement (a constraint, a syntax error), not an outage.
 */
export type OutageKind = 'connection' | 'write';

/** mysql2 / Node socket codes of a MySQL server that is gone, unreachable, or going away. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_SERVER_OFFLINE_MODE',
  // Galera: a node that is not (yet) part of the primary component.
  'ER_UNKNOWN_COM_ERROR',
]);

/** SQLite result codes (extended codes start with these) of a database that cannot take a write now. */
const SQLITE_WRITE_CODES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL'];

export function outageKind(err: unknown): OutageKind | null {
  if (err instanceof DatabaseUnavailableError) return 'connection';
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; fatal?: unknown; message?: unknown; driverError?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_')) return SQLITE_WRITE_CODES.some((c) => code === c || code.startsWith(`${c}_`)) ? 'write' : null;
  if (CONNECTION_CODES.has(code)) return 'connection';
  // mysql2: a fatal error closed the connection; later commands on it fail without a code.
  if (e.fatal === true) return 'connection';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/connection is in closed state|Pool is closed|WSREP has not yet prepared node/i.test(message)) return 'connection';
  if (e.driverError && e.driverError !== err) return outageKind(e.driverError);
  return null;
}

/** How long statements must have stopped failing before an outage counts as over. */
const QUIET_MS = 1000;

/**
 * The database's availability as this process sees it, from the statements it runs: an outage
 * starts with the first statement that fails for an outage reason and ends with the first that
 * succeeds (for a `write` outage, the first write) once none has failed for QUIET_MS. One log line at each end, however many
 * requests fail in between; the requests themselves are answered 503 without a line each.
 */
export class DatabaseOutage {
  private readonly logger = new Logger('Database');
  private kind: OutageKind | null = null;
  private since = 0;
  private lastFailure = 0;
  private refused = 0;

  constructor(
    /** Seconds a client is told to wait (Retry-After). */
    readonly retryAfter = 5,
  ) {}

  /** True while statements (or, for SQLite, writes) are failing: readiness then probes with a write. */
  get down(): boolean {
    return this.kind !== null;
  }

  /** `err` as this process answers it: a DatabaseUnavailableError for an outage, else `err` itself. */
  classify(err: unknown): unknown {
    if (err instanceof DatabaseUnavailableError) {
      this.failed('connection', err.message);
      return err;
    }
    const kind = outageKind(err);
    if (!kind) return err;
    const message = err instanceof Error ? err.message : String(err);
    this.failed(kind, message);
    return new DatabaseUnavailableError(`database unavailable: ${message}`, this.retryAfter, err);
  }

  private failed(kind: OutageKind, message: string): void {
    this.refused++;
    this.lastFailure = Date.now();
    if (this.kind !== null) {
      // A connection outage outranks a write one: recovery then needs any statement to succeed.
      if (kind === 'connection') this.kind = 'connection';
      return;
    }
    this.kind = kind;
    this.since = Date.now();
    this.logger.error(`database unavailable (${kind === 'write' ? 'cannot write' : 'cannot connect'}): ${message.split('\n')[0]}`);
  }

  /** A statement succeeded; `wrote`: it changed the database (a write or a committed transaction). */
  succeeded(wrote: boolean): void {
    if (this.kind === null) return;
    if (this.kind === 'write' && !wrote) return;
    // A nearly full disk takes some small writes and refuses others: the outage ends only once
    // nothing has failed for a while, so that it is not logged (and readiness does not flap) per write.
    if (Date.now() - this.lastFailure < QUIET_MS) return;
    const seconds = Math.round((Date.now() - this.since) / 100) / 10;
    this.logger.log(`database available again after ${seconds} s (${this.refused} statements failed meanwhile)`);
    this.kind = null;
    this.refused = 0;
  }
}
