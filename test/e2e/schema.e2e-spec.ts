import { Db } from '../../src/database/db';
import { startApp, TestApp } from '../support/start-app';

const TABLES = ['user', 'oauth2_client', 'oauth2_code', 'oauth2_token'];

interface Column {
  name: string;
  nullable: boolean;
}
interface Schema {
  columns: Record<string, Column[]>;
  unique: Record<string, string[]>;
  foreignKeys: Record<string, string[]>;
}

async function sqliteSchema(db: Db): Promise<Schema> {
  const schema: Schema = { columns: {}, unique: {}, foreignKeys: {} };
  for (const table of TABLES) {
    const columns = await db.query<{ name: string; notnull: number; pk: number }>(`PRAGMA table_info("${table}")`);
    schema.columns[table] = columns.map((c) => ({ name: c.name, nullable: c.notnull === 0 && c.pk === 0 })).sort(byName);
    const indexes = await db.query<{ name: string; unique: number }>(`PRAGMA index_list("${table}")`);
    const unique: string[] = [];
    for (const index of indexes.filter((i) => i.unique === 1)) {
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
  const schema: Schema = { columns: {}, unique: {}, foreignKeys: {} };
  for (const table of TABLES) {
    const columns = await db.query<{ name: string; nullable: string }>(
      'SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    );
    schema.columns[table] = columns.map((c) => ({ name: c.name, nullable: c.nullable === 'YES' })).sort(byName);
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

function byName(a: Column, b: Column): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The migrations must build the same tables on both databases (STYLE.md: one file runs on SQLite and MySQL). */
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

  it('creates the four tables on SQLite, with the expected columns', async () => {
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
    ]);
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
  });
});
