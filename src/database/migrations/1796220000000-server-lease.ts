import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * `server_lease`: one row per job that only one instance may run at a time (the janitor's purge),
 * held by the instance named in `holder` until `expires_at` (epoch milliseconds). Taking a lease is
 * one conditional UPDATE on the primary key: no LOCK TABLES or GET_LOCK, which Galera does not
 * replicate. The row `write-probe` is what readiness writes to find out that writes work again.
 */
export class ServerLease1796220000000 implements MigrationInterface {
  name = 'ServerLease1796220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'server_lease',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '64', isNullable: true },
          { name: 'expires_at', type: 'bigint' },
        ],
      }),
    );
    await q.query("INSERT INTO server_lease (name, holder, expires_at) VALUES ('janitor', NULL, 0), ('write-probe', NULL, 0)");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('server_lease');
  }
}
