import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Db } from '../../src/database/db';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrations } from '../../src/database/migrations';
import { TokenFamilyOnlyWithRefresh1796140000001 } from '../../src/database/migrations/1796140000001-token-family-only-with-refresh';
import { startApp, TestApp } from '../support/start-app';

const TABLES = ['user', 'oauth2_client', 'oauth2_code', 'oauth2_token', 'oauth2_consent', 'audit_event', 'user_session', 'oauth2_pending_request', 'auth_throttle', 'signing_key', 'server_lease', 'oauth2_registration', 'oauth2_initial_access_token', 'oauth2_resource'];

interface Column {
  name: string;
  nullable: boolean;
}
interface TypedColumn extends Column {
  type: string;
}
interface Schema {
  columns: Record<string, Column[]>;
  types: Record<string, TypedColumn[]>;
  unique: Record<string, string[]>;
  foreignKeys: Record<string, string[]>;
}

async function sqliteSchema(db: Db): Promise<Schema> {
  const schema: Schema = { columns: {}, types: {}, unique: {}, foreignKeys: {} };
  for (const table of TABLES) {
    const columns = await db.query<{ name: string; type: string; notnull: number; pk: number }>(`PRAGMA table_info("${table}")`);
    schema.columns[table] = columns.map((c) => ({ name: c.name, nullable: c.notnull === 0 && c.pk === 0 })).sort(byName);
    schema.types[table] = columns.map((c) => ({ name: c.name, nullable: c.notnull === 0 && c.pk === 0, type: broadType(c.type) })).sort(byName);
    const indexes = await db.query<{ name: string; unique: number; origin: string }>(`PRAGMA index_list("${table}")`);
    const unique: string[] = [];
    // A primary key on a text column is an index too on SQLite (origin "pk"); it is not a unique key.
    for (const index of indexes.filter((i) => i.unique === 1 && i.origin !== 'pk')) {
      const cols = await db.query<{ name: string }>(`PRAGMA index_info("${index.name}")`);
      unique.push(cols.map((c) => c.name).join(','));
    }
    schema.unique[table] = unique.sort();
    const fks = await db.query<{ from: string; table: string; to: string; on_delete: string }>(`PRAGMA foreign_key_list("${table}")`);
    schema.foreignKeys[table] = fks.map((f) => `${f.from} -> ${f.table}.${f.to} ON DELETE ${f.on_delete}`).sort();
  }
  return schema;
}

async function mysqlSchema(db: Db): Promise<Schema> {
  const schema: Schema = { columns: {}, types: {}, unique: {}, foreignKeys: {} };
  for (const table of TABLES) {
    const columns = await db.query<{ name: string; nullable: string; type: string }>(
      'SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    );
    schema.columns[table] = columns.map((c) => ({ name: c.name, nullable: c.nullable === 'YES' })).sort(byName);
    schema.types[table] = columns.map((c) => ({ name: c.name, nullable: c.nullable === 'YES', type: broadType(c.type) })).sort(byName);
    const unique = await db.query<{ name: string; cols: string }>(
      'SELECT INDEX_NAME AS name, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS ' +
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' GROUP BY INDEX_NAME",
      [table],
    );
    schema.unique[table] = unique.map((u) => u.cols).sort();
    const fks = await db.query<{ col: string; ref_table: string; ref_col: string; on_delete: string }>(
      'SELECT k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_col, r.DELETE_RULE AS on_delete ' +
        'FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r ' +
        'ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME ' +
        'WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL',
      [table],
    );
    schema.foreignKeys[table] = fks.map((f) => `${f.col} -> ${f.ref_table}.${f.ref_col} ON DELETE ${f.on_delete}`).sort();
  }
  return schema;
}

/**
 * A column type as both databases and the entities can say it: `int(11)`/`integer`/`int` → `integer`,
 * `bigint(20)` → `bigint`, `tinyint(1)` → `boolean`, `varchar(64)` as it is, `text`.
 */
function broadType(type: string, length?: string): string {
  const t = type.toLowerCase().trim();
  if (/^(int|integer)(\(\d+\))?$/.test(t)) return 'integer';
  if (/^bigint(\(\d+\))?$/.test(t)) return 'bigint';
  if (t === 'tinyint(1)' || t === 'boolean' || t === 'bool') return 'boolean';
  if (t === 'varchar' && length) return `varchar(${length})`;
  return t;
}

/** What the entities say about every table: the schema description the repositories map rows to. */
function entitySchema(db: Db): Record<string, TypedColumn[]> {
  const tables: Record<string, TypedColumn[]> = {};
  for (const entity of db.dataSource.entityMetadatas) {
    tables[entity.tableName] = entity.columns
      .map((c) => ({ name: c.databaseName, nullable: c.isNullable, type: c.type === 'boolean' ? 'boolean' : broadType(db.dataSource.driver.normalizeType(c), c.length) }))
      .sort(byName);
  }
  return tables;
}

/** Every unique key the entities declare, as `col,col` per table. */
function entityUniques(db: Db): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const entity of db.dataSource.entityMetadatas) {
    // TypeORM keeps a unique key as a unique constraint on SQLite and as a unique index on MySQL.
    const keys = [...entity.uniques, ...entity.indices.filter((i) => i.isUnique)].map((u) => u.columns.map((c) => c.databaseName).join(','));
    tables[entity.tableName] = [...new Set(keys)].sort();
  }
  return tables;
}

function byName(a: Column, b: Column): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The migrations must build the same tables on both databases (one migration file runs on SQLite and MySQL). */
describe('schema produced by the migrations', () => {
  let sqlite: TestApp;
  let mysql: TestApp | undefined;
  beforeAll(async () => {
    sqlite = await startApp('sqlite::memory:');
    if (process.env.TEST_MYSQL_URL) mysql = await startApp(process.env.TEST_MYSQL_URL);
  });
  afterAll(async () => {
    await sqlite?.close();
    await mysql?.close();
  });

  it('creates the five tables on SQLite, with the expected columns', async () => {
    const db = sqlite.app.get(Db);
    const tables = (await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(TABLES));
    const schema = await sqliteSchema(db);
    expect(schema.columns.user).toEqual([
      { name: 'created_at', nullable: false },
      { name: 'email', nullable: true },
      { name: 'id', nullable: false },
      { name: 'password_hash', nullable: false },
      { name: 'username', nullable: false },
      { name: 'username_canonical', nullable: false },
    ]);
    expect(schema.unique.user).toEqual(['username', 'username_canonical']);
    expect(schema.unique.oauth2_client).toEqual(['client_id']);
    expect(schema.foreignKeys.oauth2_token).toEqual(['client_id -> oauth2_client.client_id ON DELETE CASCADE', 'user_id -> user.id ON DELETE CASCADE']);
    const fk = await db.query<{ foreign_keys: number }>('PRAGMA foreign_keys');
    expect(Number(fk[0].foreign_keys)).toBe(1);
  });

  (process.env.TEST_MYSQL_URL ? it : it.skip)('builds the same tables, columns, nullability, unique keys and foreign keys on MySQL', async () => {
    const expected = await sqliteSchema(sqlite.app.get(Db));
    const actual = await mysqlSchema(mysql!.app.get(Db));
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.unique).toEqual(expected.unique);
    expect(actual.foreignKeys).toEqual(expected.foreignKeys);
    expect(actual.types).toEqual(expected.types);
  });

  it('has one entity per table', () => {
    expect(Object.keys(entitySchema(sqlite.app.get(Db))).sort()).toEqual([...TABLES].sort());
  });

  it('drops the write-only response_type of oauth2_code and keeps nonce and auth_time', async () => {
    const names = (await sqliteSchema(sqlite.app.get(Db))).columns.oauth2_code.map((c) => c.name);
    expect(names).not.toContain('response_type');
    expect(names).toEqual(expect.arrayContaining(['nonce', 'auth_time']));
  });

  for (const name of ['sqlite', 'mysql'] as const) {
    const run = name === 'sqlite' || process.env.TEST_MYSQL_URL ? it : it.skip;
    run(`agrees with the entities on every table, column, nullability, type and unique key (${name})`, async () => {
      const db = (name === 'sqlite' ? sqlite : mysql!).app.get(Db);
      const built = name === 'sqlite' ? await sqliteSchema(db) : await mysqlSchema(db);
      expect(built.types).toEqual(entitySchema(db));
      expect(built.unique).toEqual(entityUniques(db));
    });
  }
});

describe('migration TokenFamilyOnlyWithRefresh', () => {
  it('drops the family of existing tokens without a refresh token, keeps the others, and reverts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migration-'));
    const open = async (list: typeof migrations) => {
      const ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: join(dir, 'db.sqlite') }), migrations: list });
      await ds.initialize();
      await ds.runMigrations();
      return ds;
    };
    const families = async (ds: DataSource) => (await ds.query('SELECT access_token_hash AS a, family_id AS f FROM oauth2_token ORDER BY id')) as Array<{ a: string; f: string | null }>;
    try {
      const before = await open(migrations.slice(0, migrations.indexOf(TokenFamilyOnlyWithRefresh1796140000001)));
      await before.query("INSERT INTO oauth2_client (client_id, client_id_issued_at, client_metadata) VALUES ('c', 0, '{}')");
      const insert = "INSERT INTO oauth2_token (client_id, token_type, access_token_hash, refresh_token_hash, scope, issued_at, expires_in, family_id) VALUES ('c', 'Bearer', ?, ?, '', 0, 60, ?)";
      await before.query(insert, ['a1', null, 'f1']);
      await before.query(insert, ['a2', 'r2', 'f2']);
      await before.destroy();

      const after = await open(migrations.slice(0, migrations.indexOf(TokenFamilyOnlyWithRefresh1796140000001) + 1));
      try {
        expect(await families(after)).toEqual([{ a: 'a1', f: null }, { a: 'a2', f: 'f2' }]);
        await after.undoLastMigration();
        const reverted = await families(after);
        expect(reverted[1]).toEqual({ a: 'a2', f: 'f2' });
        expect(reverted[0].f).toMatch(/^token-\d+$/);
        const [column] = (await after.query("SELECT \"notnull\" AS nn FROM pragma_table_info('oauth2_token') WHERE name = 'family_id'")) as Array<{ nn: number }>;
        expect(Number(column.nn)).toBe(1);
      } finally {
        await after.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
