import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';

/**
 * Only one process migrates at a time. Several instances starting together must not all run the
 * same migration (MySQL commits DDL at once, so a migration's transaction does not keep a second
 * runner out). `GET_LOCK` and `LOCK TABLES` do not work across Galera nodes, so the lock is a row:
 * whoever inserts row 1 holds the lease, renews it while it works, and deletes it when done. A
 * lease left by a process that died expires. The others wait, then find nothing left to run.
 */
const TABLE = 'gatehouse_migration_lease';
const TTL_MS = 120_000;

export interface MigrationLeaseOptions {
  /** How often a waiting process tries again. */
  pollMs?: number;
  /** Give up waiting after this long (a stuck migration elsewhere). */
  waitMs?: number;
}

export async function withMigrationLease<T>(dataSource: DataSource, work: () => Promise<T>, options: MigrationLeaseOptions = {}): Promise<T> {
  if (dataSource.options.type !== 'mysql') return work();
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.waitMs ?? 10 * 60_000);
  const holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 120);
  await dataSource.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id INT NOT NULL PRIMARY KEY, holder VARCHAR(128) NOT NULL, expires_at BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  while (!(await tryAcquire(dataSource, holder))) {
    if (Date.now() > deadline) throw new Error(`another process has held the migration lease (${TABLE}) for too long`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const renew = setInterval(() => {
    dataSource.query(`UPDATE ${TABLE} SET expires_at = ? WHERE id = 1 AND holder = ?`, [Date.now() + TTL_MS, holder]).catch(() => undefined);
  }, TTL_MS / 4);
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await dataSource.query(`DELETE FROM ${TABLE} WHERE id = 1 AND holder = ?`, [holder]);
  }
}

/** True when this process now holds the lease. A duplicate key or a lost conflict means someone else does. */
async function tryAcquire(dataSource: DataSource, holder: string): Promise<boolean> {
  const now = Date.now();
  try {
    await dataSource.query(`INSERT INTO ${TABLE} (id, holder, expires_at) VALUES (1, ?, ?)`, [holder, now + TTL_MS]);
    return true;
  } catch (err) {
    if (!lostRace(err)) throw err;
  }
  try {
    // The holder died: take over its expired lease (one conditional UPDATE, one winner).
    const result: { affectedRows?: number } = await dataSource.query(
      `UPDATE ${TABLE} SET holder = ?, expires_at = ? WHERE id = 1 AND expires_at < ?`,
      [holder, now + TTL_MS, now],
    );
    return result?.affectedRows === 1;
  } catch (err) {
    if (!lostRace(err)) throw err;
    return false;
  }
}

function lostRace(err: unknown): boolean {
  const errno = (err as { errno?: number }).errno;
  return errno === 1062 /* ER_DUP_ENTRY */ || errno === 1213 /* ER_LOCK_DEADLOCK: another node won */;
}
