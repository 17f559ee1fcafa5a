/** A row as both drivers return it: column name → value. */
export type Row = Record<string, unknown>;

/** A nullable integer column: both drivers may hand numbers back as strings (BIGINT). */
export const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A boolean column: SQLite stores 0/1, MySQL TINYINT(1). */
export const booleanColumn = (v: unknown): boolean => v === true || Number(v) === 1;

/**
 * One table's column list: entity field → column name, in one place. Repositories build every
 * statement of their table from it (SELECT list, INSERT, SET) and map rows back with their one
 * row mapper, so adding a column means the entity, a migration, this list and the mapper.
 */
export class TableColumns<T extends { id: number }, F extends keyof T = keyof T> {
  /** `id, a, b, …` in declaration order. */
  readonly list: string;
  /** Each field's position in `list` (and `prefixed()`): where a raw row (QueryOptions.raw) has its value. */
  readonly position: { readonly [K in F]-?: number };
  private readonly insertFields: F[];
  private readonly inserts = new Map<number, string>();

  constructor(
    readonly table: string,
    private readonly columns: { readonly [K in F]-?: string },
    /** Field values that need converting before they are bound (e.g. JSON text). */
    private readonly encode: { readonly [K in F]?: (value: T[K]) => unknown } = {},
  ) {
    this.list = Object.values<string>(columns).join(', ');
    this.position = Object.fromEntries(Object.keys(columns).map((f, i) => [f, i])) as { [K in F]-?: number };
    this.insertFields = (Object.keys(columns) as F[]).filter((f) => f !== 'id');
  }

  /** The column list with a table alias: `t.id, t.a, …`. */
  prefixed(alias: string): string {
    return Object.values<string>(this.columns).map((c) => `${alias}.${c}`).join(', ');
  }

  /** `INSERT INTO table (every column but id) VALUES (?, …)`, with `rows` value groups. */
  insert(rows = 1): string {
    let sql = this.inserts.get(rows);
    if (!sql) {
      const group = `(${this.insertFields.map(() => '?').join(', ')})`;
      sql = `INSERT INTO ${this.table} (${this.insertFields.map((f) => this.columns[f]).join(', ')}) VALUES ${Array(rows).fill(group).join(', ')}`;
      if (this.inserts.size < 256) this.inserts.set(rows, sql);
    }
    return sql;
  }

  /** The values of `insert()`, in its order. */
  insertValues(row: Pick<T, Exclude<F, 'id'>>): unknown[] {
    return this.insertFields.map((f) => this.bind(f, (row as T)[f]));
  }

  /** `a = ?, b = ?` and its values for the fields present in `changes`. */
  assignments(changes: Partial<Pick<T, F>>): { sql: string; values: unknown[] } {
    const fields = (Object.keys(changes) as F[]).filter((f) => f !== 'id' && changes[f] !== undefined);
    return {
      sql: fields.map((f) => `${this.columns[f]} = ?`).join(', '),
      values: fields.map((f) => this.bind(f, changes[f] as T[F])),
    };
  }

  private bind<K extends F>(field: K, value: T[K]): unknown {
    const encode = this.encode[field];
    return encode ? encode(value) : value;
  }
}
