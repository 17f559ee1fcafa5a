import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs statements and transactions against the one DataSource.
 *
 * Why not `dataSource.transaction()` directly: TypeORM's SQLite drivers share a single connection,
 * so two concurrent transactions would nest as savepoints of each other and a statement from
 * another request could land inside an open transaction. On SQLite we therefore let one
 * transaction run at a time and hold other statements until it ends. MySQL has a pool and real
 * isolation, so there it is plain TypeORM.
 */
@Injectable()
export class Db {
  readonly isSqlite: boolean;
  private tail: Promise<unknown> = Promise.resolve();
  private openTransactions = 0;

  constructor(readonly dataSource: DataSource) {
    this.isSqlite = dataSource.options.type === 'better-sqlite3';
  }

  /** A manager for reads and single-statement writes. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.isSqlite && this.openTransactions > 0) return this.serialized(() => work(this.dataSource.manager));
    return work(this.dataSource.manager);
  }

  /** Raw SQL with `?` placeholders (both drivers accept them). Returns rows. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    if (manager) return manager.query(sql, params);
    return this.run((m) => m.query(sql, params));
  }

  /** Raw write; returns how many rows it changed (the basis of every single-use check). */
  async execute(sql: string, params: unknown[], manager?: EntityManager): Promise<{ affected: number; insertId?: number }> {
    const exec = async (m: EntityManager) => {
      const runner = m.queryRunner ?? this.dataSource.createQueryRunner();
      try {
        const result = await runner.query(sql, params, true);
        // mysql2 answers a ResultSetHeader; better-sqlite3 (through TypeORM) the last rowid.
        const raw = result.raw as { insertId?: number } | number | bigint | undefined;
        const insertId = typeof raw === 'object' ? raw?.insertId : raw === undefined ? undefined : Number(raw);
        return { affected: result.affected ?? 0, insertId };
      } finally {
        if (!m.queryRunner) await runner.release();
      }
    };
    if (manager) return exec(manager);
    return this.run(exec);
  }

  /** One transaction: everything `work` does through `manager` commits or rolls back together. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite) return this.dataSource.transaction(work);
    return this.serialized(async () => {
      this.openTransactions++;
      try {
        return await this.dataSource.transaction(work);
      } finally {
        this.openTransactions--;
      }
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
