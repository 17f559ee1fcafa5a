/**
 * Several processes opening one MySQL database at once take turns with the migrations (a lease row,
 * which works on Galera where GET_LOCK does not), and the schema passes the Galera check.
 */
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { galeraSchemaViolations } from '../../src/database/galera';
import { withMigrationLease } from '../../src/database/migration-lease';
import { migrations } from '../../src/database/migrations';
import { loadConfig } from '../../src/config/env.validation';

const MYSQL = process.env.TEST_MYSQL_URL;
const describeMysql = MYSQL ? describe : describe.skip;

describeMysql('migration lease and Galera schema check (MySQL)', () => {
  const url = new URL(MYSQL ?? 'mysql://localhost/');
  const name = `gatehouse_lease_${process.pid}_${Date.now() % 1e6}`;
  const server = { host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  const sources: DataSource[] = [];

  const open = async () => {
    const dbUrl = new URL(url.toString());
    dbUrl.pathname = `/${name}`;
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: dbUrl.toString(), ADMIN_API_KEY: 'test-admin-key-0123456789abcdef', COOKIE_SECRET: 'test-cookie-secret-0123456789abcdef0123456789' });
    const ds = await new DataSource(dataSourceOptions(config.database)).initialize();
    sources.push(ds);
    return ds;
  };

  beforeAll(async () => {
    const admin = await createConnection(server);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
  });
  afterAll(async () => {
    for (const ds of sources) await ds.destroy();
    const admin = await createConnection(server);
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });

  it('lets three processes starting at once run each migration exactly once', async () => {
    const [a, b, c] = await Promise.all([open(), open(), open()]);
    const ran = await Promise.all([a, b, c].map((ds) => withMigrationLease(ds, () => ds.runMigrations({ transaction: 'each' }), { pollMs: 20 })));
    const names = ran.flat().map((m) => m.name);
    expect(names.sort()).toEqual(migrations.map((m) => m.name).sort());
    // One of them ran them all; the others waited and found nothing left.
    expect(ran.map((r) => r.length).sort((x, y) => x - y)).toEqual([0, 0, migrations.length]);
    expect(await a.query('SELECT * FROM gatehouse_migration_lease')).toEqual([]);
  });

  it('waits for a live lease and takes over one left expired by a process that died', async () => {
    const ds = sources[0];
    await ds.query('INSERT INTO gatehouse_migration_lease (id, holder, expires_at) VALUES (1, ?, ?)', ['gone:1:dead', Date.now() + 300]);
    let ranAt = 0;
    const started = Date.now();
    await withMigrationLease(ds, async () => (ranAt = Date.now()), { pollMs: 20 });
    expect(ranAt - started).toBeGreaterThanOrEqual(250);
    expect(await ds.query('SELECT * FROM gatehouse_migration_lease')).toEqual([]);
  });

  it('gives up waiting for a lease held too long, naming it', async () => {
    const ds = sources[0];
    await ds.query('INSERT INTO gatehouse_migration_lease (id, holder, expires_at) VALUES (1, ?, ?)', ['busy:1:alive', Date.now() + 60_000]);
    try {
      await expect(withMigrationLease(ds, async () => 'ran', { pollMs: 20, waitMs: 100 })).rejects.toThrow(/gatehouse_migration_lease/);
    } finally {
      await ds.query('DELETE FROM gatehouse_migration_lease');
    }
  });

  it("finds nothing Galera cannot replicate in Gatehouse's schema, and names a table that breaks the rules", async () => {
    const ds = sources[0];
    expect(await galeraSchemaViolations(ds)).toEqual([]);
    await ds.query('CREATE TABLE no_key (a INT) ENGINE=InnoDB');
    await ds.query('CREATE TABLE not_innodb (id INT PRIMARY KEY) ENGINE=MyISAM');
    try {
      expect(await galeraSchemaViolations(ds)).toEqual([
        'table no_key has no primary key: Galera cannot certify its rows',
        'table not_innodb uses MyISAM: Galera replicates InnoDB only',
      ]);
    } finally {
      await ds.query('DROP TABLE no_key, not_innodb');
    }
  });
});
