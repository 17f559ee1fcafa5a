import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { accessSync, constants } from 'node:fs';
import { DataSource, EntityManager } from 'typeorm';
import { DatabaseOutage } from './database-outage';
import { DatabaseUnavailableError } from './database-unavailable.error';
import { WriteConflictError, WriteConflicts } from './write-conflict';
import { mysqlHostsOf } from './mysql-hosts';
import { hasCausalReads } from './galera';

/**
 * Runs statements and transactions against the one DataSource.
 *
 * The open transaction travels implicitly: `transaction(work)` keeps its manager in an
 * AsyncLocalStorage, and every `query`/`execute` made while `work` runs (however deep in services
 * and repositories) goes through it. No signature outside this file carries an `EntityManager`.
 *
 * Why not `dataSource.transaction()` directly: TypeORM's SQLite drivers share a single connection,
 * so two concurrent transactions would nest as savepoints of each other and a statement from
 * another request could land inside an open transaction. On SQLite we therefore let one
 * transaction run at a time and hold other statements until it ends. MySQL has a pool and real
 * isolation, so there it is plain TypeORM, plus one thing: a transaction or statement that loses a
 * write conflict (another Galera node committed the same rows first) is run again (write-conflict.ts),
 * and with several hosts, one that found its node gone runs again once the pool has moved (mysql-hosts.ts).
 */
export interface WriteResult {
  affected: number;
  insertId?: number;
}

interface SqliteStatement {
  reader: boolean;
  raw(toggle: boolean): SqliteStatement;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
  /** False in autocommit mode: no transaction is open on the connection. */
  readonly inTransaction: boolean;
}
/** What this file touches of TypeORM's better-sqlite3 driver and its one shared query runner. */
interface SqliteDriver {
  databaseConnection: SqliteConnection;
  queryRunner?: { transactionDepth: number; isTransactionActive: boolean };
  options: { database: string };
  createDatabaseConnection(): Promise<SqliteConnection>;
}
type MysqlCallback = (err: Error | null, result: unknown[] | { affectedRows: number; insertId: number }) => void;
type MysqlStatement = string | { sql: string; rowsAsArray: boolean };
interface MysqlPool {
  query(sql: MysqlStatement, params: unknown[], cb: MysqlCallback): void;
  execute(sql: MysqlStatement, params: unknown[], cb: MysqlCallback): void;
}

export interface QueryOptions {
  /**
   * Run it as a server-side prepared statement on MySQL (mysql2 `execute`, kept per connection):
   * the server skips parsing and planning, worth it for the few lookups every request makes.
   * Only for statements whose parameters are strings (mysql2 binds numbers as DOUBLE). SQLite
   * prepares every statement anyway.
   */
  prepare?: boolean;
  /**
   * On a Galera cluster, read without waiting for this node to apply what other nodes committed
   * (wsrep_sync_wait 0 for this statement). Only for reads that stay right on a row a few
   * milliseconds old, or whose caller reads again, causally, when the row is missing.
   */
  mayBeStale?: boolean;
  /**
   * Rows as arrays of the selected values, in SELECT order (better-sqlite3 `raw`, mysql2
   * `rowsAsArray`): the drivers then skip building an object per row, which showed on the token
   * lookup of every bearer call and introspection (~3 µs of its ~16 on SQLite).
   */
  raw?: boolean;
}

/** The mysql2 pool's own counters (not public API, read only for the pool gauge). */
interface MysqlPoolState {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  config?: { connectionLimit?: number };
}

@Injectable()
export class Db {
  readonly isSqlite: boolean;
  private tail: Promise<unknown> = Promise.resolve();
  private openTransactions = 0;
  private readonly statements = new Map<string, SqliteStatement>();
  /** The same statements in raw mode (rows as arrays), for `QueryOptions.raw`. */
  private readonly rawStatements = new Map<string, SqliteStatement>();
  private readonly current = new AsyncLocalStorage<EntityManager>();
  readonly conflicts = new WriteConflicts();
  /** What to do once the transaction of this manager has committed (dropped if it rolls back). */
  private readonly onCommit = new WeakMap<EntityManager, Array<() => void>>();

  /** Whether the database is taking statements now; one log line when that changes. */
  readonly outage = new DatabaseOutage();
  /** A write has succeeded since start (or since the last outage ended). */
  private writesProven = false;
  private readonly reopenListeners: Array<() => void> = [];

  constructor(readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  /**
   * Raw SQL with `?` placeholders (both drivers accept them). Returns rows. An outage (see
   * DatabaseOutage) is thrown as DatabaseUnavailableError, here and in `execute` and `transaction`.
   */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<T[]> {
    if (this.current.getStore()) return this.read<T>(sql, params, options);
    return this.read<T>(sql, params, options).then(
      (rows) => (this.outage.down && this.outage.succeeded(false), rows),
      (err: unknown) => Promise.reject(this.outage.classify(err)),
    );
  }

  /** Raw write; returns how many rows it changed (the basis of every single-use check). */
  execute(sql: string, params: unknown[]): Promise<WriteResult> {
    if (this.current.getStore()) return this.write(sql, params);
    return this.write(sql, params).then(
      (result) => ((this.writesProven = true), this.outage.down && this.outage.succeeded(true), result),
      (err: unknown) => Promise.reject(this.outage.classify(err)),
    );
  }

  private async read<T>(sql: string, params: unknown[], options: QueryOptions): Promise<T[]> {
    const manager = this.current.getStore();
    if (manager) {
      const rows: Record<string, unknown>[] = await manager.query(sql, this.bind(params));
      // Both drivers give a row's keys in SELECT order (no column name is an integer).
      return (options.raw ? rows.map((row) => Object.values(row)) : rows) as T[];
    }
    const statement = options.mayBeStale && hasCausalReads(this.dataSource) ? `SET STATEMENT wsrep_sync_wait = 0 FOR ${sql}` : sql;
    const result = await this.direct(statement, params, options.prepare === true, true, options.raw === true);
    return Array.isArray(result) ? (result as T[]) : [];
  }

  private async write(sql: string, params: unknown[]): Promise<WriteResult> {
    const manager = this.current.getStore();
    if (manager?.queryRunner) {
      const result = await manager.queryRunner.query(sql, this.bind(params), true);
      // mysql2 answers a ResultSetHeader; better-sqlite3 (through TypeORM) the last rowid.
      const raw = result.raw as { insertId?: number } | number | bigint | undefined;
      const insertId = typeof raw === 'object' ? raw?.insertId : raw === undefined ? undefined : Number(raw);
      return { affected: result.affected ?? 0, insertId };
    }
    const result = await this.direct(sql, params);
    return Array.isArray(result) ? { affected: 0 } : result;
  }

  /**
   * Outside transactions, raw statements go to the driver itself: a cached prepared statement on
   * better-sqlite3, the mysql2 pool on MySQL. TypeORM's query path (query runner, logger,
   * broadcaster) costs more than the statement on the hot paths.
   */
  private async direct(sql: string, params: unknown[], prepare = false, read = false, raw = false): Promise<unknown[] | WriteResult> {
    if (!this.isSqlite) {
      // One autocommit statement that lost a conflict was rolled back whole: running it again is safe.
      return this.conflicts.retry(() => this.onNode(() => this.mysqlDirect(sql, params, prepare, raw), read));
    }
    if (this.openTransactions > 0) return this.serialized(() => this.direct(sql, params, prepare, read, raw));
    // No transaction of ours is open: one still open on the connection was left by a failure.
    if (this.sqliteConnection.inTransaction) this.sqliteRollBackAbandoned();
    const cache = raw ? this.rawStatements : this.statements;
    let statement = cache.get(sql);
    if (!statement) {
      statement = this.sqliteConnection.prepare(sql);
      if (raw) statement.raw(true);
      cache.set(sql, statement);
    }
    const bound = this.bind(params);
    if (statement.reader) return statement.all(...bound);
    const info = statement.run(...bound);
    return { affected: info.changes, insertId: Number(info.lastInsertRowid) };
  }

  /** With several hosts, `work` moves with the pool when its node goes away (see MysqlHosts.run). */
  private onNode<T>(work: () => Promise<T>, rerunnable: boolean): Promise<T> {
    const hosts = mysqlHostsOf(this.dataSource);
    return hosts ? hosts.run(work, rerunnable) : work();
  }

  private mysqlDirect(sql: string, params: unknown[], prepare: boolean, raw = false): Promise<unknown[] | WriteResult> {
    const pool = (this.dataSource.driver as unknown as { pool: MysqlPool }).pool;
    return new Promise((resolve, reject) => {
      const done: MysqlCallback = (err, result) => {
        if (err) reject(err);
        else if (Array.isArray(result)) resolve(result);
        else resolve({ affected: result.affectedRows, insertId: result.insertId });
      };
      const statement: MysqlStatement = raw ? { sql, rowsAsArray: true } : sql;
      if (prepare) pool.execute(statement, params, done);
      else pool.query(statement, params, done);
    });
  }

  /** Connections of this process: the mysql2 pool's, or SQLite's single one. */
  poolStats(): { inUse: number; idle: number; max: number } {
    if (this.isSqlite) return { inUse: this.openTransactions > 0 ? 1 : 0, idle: this.openTransactions > 0 ? 0 : 1, max: 1 };
    const pool = (this.dataSource.driver as unknown as { pool?: MysqlPoolState }).pool;
    if (!pool) return { inUse: 0, idle: 0, max: 0 };
    const all = pool._allConnections?.length ?? 0;
    const free = pool._freeConnections?.length ?? 0;
    return { inUse: all - free, idle: free, max: pool.config?.connectionLimit ?? 0 };
  }

  /** better-sqlite3 binds neither booleans nor undefined. */
  private bind(params: unknown[]): unknown[] {
    if (!this.isSqlite) return params;
    return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? Number(p) : p));
  }

  /** True on a Galera cluster: a read with `mayBeStale` may miss a row another node just committed. */
  get readsMayLag(): boolean {
    return hasCausalReads(this.dataSource);
  }

  /** True while the caller runs inside `transaction()`. */
  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  /**
   * Runs `work` (and everything it schedules: timers, promises) outside any open transaction, as if
   * no request had opened one. Background writers started from a request (the audit drain) use it,
   * so that their statements never join, or outlive, that request's transaction.
   */
  outsideTransaction<T>(work: () => T): T {
    return this.current.exit(work);
  }

  /**
   * One transaction: every statement `work` makes through this Db, directly or through services and
   * repositories, commits or rolls back together. Inside an open transaction, `work` joins it.
   * On MySQL a transaction that loses a write conflict is rolled back and `work` runs again whole,
   * so `work` must keep nothing but database changes from a run that did not commit.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    return this.openTransaction(work).then(
      // Not proof that writes work again (it may have written nothing): `execute` or the probe is.
      (result) => (this.outage.down && this.outage.succeeded(false), result),
      (err: unknown) => Promise.reject(this.outage.classify(err)),
    );
  }

  private openTransaction<T>(work: () => Promise<T>): Promise<T> {
    const open = async () => {
      this.openTransactions++;
      try {
        if (this.isSqlite && this.sqliteConnection.inTransaction) this.sqliteRollBackAbandoned();
        let done: Array<() => void> = [];
        const result = await this.dataSource.transaction((manager) => {
          // A run that lost a write conflict and is run again starts with nothing to do after commit.
          done = [];
          this.onCommit.set(manager, done);
          return this.current.run(manager, work);
        });
        for (const fn of done) fn();
        return result;
      } catch (err) {
        if (this.isSqlite) this.sqliteRollBackAbandoned();
        throw err;
      } finally {
        // On Node 20 an enabled AsyncLocalStorage slows down every promise of the process (promise
        // hooks). With no transaction open nothing reads it, so it is off until the next one.
        if (--this.openTransactions === 0) this.current.disable();
      }
    };
    return this.isSqlite ? this.serialized(open) : this.conflicts.retry(() => this.onNode(open, false));
  }

  /**
   * Runs `fn` once the open transaction has committed, or now when none is open: counters, audit
   * records and other effects outside the database must not count a run that rolled back (a
   * transaction that lost a write conflict runs again, and would count twice).
   */
  afterCommit(fn: () => void): void {
    const manager = this.current.getStore();
    const queue = manager && this.onCommit.get(manager);
    if (queue) queue.push(fn);
    else fn();
  }

  /**
   * Readiness: can the database take a write now? Known when a write has succeeded since start and
   * no outage has begun since; otherwise one UPDATE of the probe row finds out (and ends the outage
   * when it succeeds). An error that is not an outage (a write conflict) still means it answered.
   */
  async canWrite(): Promise<boolean> {
    if (this.writesProven && !this.outage.down) return true;
    const probe = () => this.execute('UPDATE server_lease SET expires_at = ? WHERE name = ?', [Date.now(), 'write-probe']);
    try {
      await probe();
      return true;
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError) || err instanceof WriteConflictError) return true;
      if (!this.isSqlite || !this.sqliteFileWritableAgain(err.cause)) return false;
      await this.sqliteReopen();
      return probe().then(
        () => true,
        () => false,
      );
    }
  }

  // SQLite recovery. TypeORM's better-sqlite3 driver has one connection and one query runner that
  // counts transaction depth itself; after a failed COMMIT (SQLITE_FULL, SQLITE_IOERR) SQLite may
  // have rolled back on its own, TypeORM's ROLLBACK then fails and its count stays at 1: the next
  // transaction would open as a SAVEPOINT that never commits, and every autocommit INSERT after it
  // would join it, answered but never stored. So after any failed transaction the connection is
  // rolled back for real and the count reset, and a statement that finds a transaction open on the
  // connection while none of ours is does the same first.

  /** Registers work to redo when the SQLite connection is reopened (its pragmas, a thread's own connection). */
  onSqliteReopen(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  private get sqliteConnection(): SqliteConnection {
    return (this.dataSource.driver as unknown as SqliteDriver).databaseConnection;
  }

  /** Rolls back whatever transaction the connection still has open, and puts TypeORM's count at 0. */
  private sqliteRollBackAbandoned(): void {
    const driver = this.dataSource.driver as unknown as SqliteDriver;
    if (driver.databaseConnection.inTransaction) {
      try {
        driver.databaseConnection.exec('ROLLBACK');
      } catch {
        // Nothing left to roll back (SQLite ended it itself); the check before the next statement sees it.
      }
    }
    if (driver.queryRunner) {
      driver.queryRunner.transactionDepth = 0;
      driver.queryRunner.isTransactionActive = false;
    }
  }

  /**
   * A connection SQLite opened read-only (the file was not writable then) stays read-only: once
   * the file is writable again, it must be opened again.
   */
  private sqliteFileWritableAgain(cause: unknown): boolean {
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_READONLY')) return false;
    const path = (this.dataSource.driver as unknown as SqliteDriver).options.database;
    if (path === ':memory:') return false;
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Replaces the SQLite connection with a new one on the same file, between transactions. */
  private sqliteReopen(): Promise<void> {
    return this.serialized(async () => {
      const driver = this.dataSource.driver as unknown as SqliteDriver;
      const old = driver.databaseConnection;
      driver.databaseConnection = await driver.createDatabaseConnection();
      // A fresh query runner (its statement cache belongs to the old connection) and statement cache.
      driver.queryRunner = undefined;
      this.statements.clear();
      this.rawStatements.clear();
      try {
        old.close();
      } catch {
        // Already unusable; the new connection is what counts.
      }
      for (const listener of this.reopenListeners) listener();
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
