import { DataSource } from 'typeorm';

/**
 * MariaDB Galera: what Gatehouse checks and sets when its database is a node of a cluster.
 *
 * Galera replicates InnoDB row changes only, certifies them by primary key, and refuses
 * `LOCK TABLES` and `GET_LOCK` across nodes: a table without a primary key or on another engine
 * is not safely replicated. Gatehouse's own statements avoid locks (single-use is a conditional
 * UPDATE, migrations take a lease row); this check names any table that breaks the other rules.
 */
export async function isGalera(dataSource: DataSource): Promise<boolean> {
  if (dataSource.options.type !== 'mysql') return false;
  const rows: Array<{ Value?: string; value?: string }> = await dataSource.query("SHOW VARIABLES LIKE 'wsrep_on'");
  return (rows[0]?.Value ?? rows[0]?.value ?? 'OFF').toUpperCase() === 'ON';
}

/** One line per table of this database that Galera cannot replicate safely (empty: none). */
export async function galeraSchemaViolations(dataSource: DataSource): Promise<string[]> {
  const tables: Array<{ name: string; engine: string | null }> = await dataSource.query(
    `SELECT t.TABLE_NAME AS name, t.ENGINE AS engine FROM information_schema.TABLES t
      WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'`,
  );
  const withPrimaryKey = new Set(
    (
      (await dataSource.query(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLE_CONSTRAINTS
          WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'PRIMARY KEY'`,
      )) as Array<{ name: string }>
    ).map((r) => r.name),
  );
  const violations: string[] = [];
  for (const t of tables.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if ((t.engine ?? '').toLowerCase() !== 'innodb') violations.push(`table ${t.name} uses ${t.engine}: Galera replicates InnoDB only`);
    if (!withPrimaryKey.has(t.name)) violations.push(`table ${t.name} has no primary key: Galera cannot certify its rows`);
  }
  return violations;
}

interface PoolWithEvents {
  on(event: 'connection', listener: (conn: { query(sql: string): unknown }) => void): void;
  _allConnections: { length: number; get(i: number): { query(sql: string): unknown } };
}

/**
 * Read-your-writes across nodes: Galera applies another node's commit a moment after it returns,
 * so a read on this node may not see a row that a request on another node has just written (a
 * session after sign-in, a pending request, a code, a revocation). `wsrep_sync_wait = 1` makes each
 * read wait until this node has applied everything committed before it began. Every connection
 * of the pool gets it: the reads that may be stale without harm are few and cheap anyway.
 */
export function enableCausalReads(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { pool: PoolWithEvents }).pool;
  const SET = 'SET SESSION wsrep_sync_wait = 1';
  // Queued as the connection's first command, ahead of whatever it was opened for.
  pool.on('connection', (conn) => conn.query(SET));
  for (let i = 0; i < pool._allConnections.length; i++) pool._allConnections.get(i).query(SET);
}
