import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { User } from './user.entity';

const USER = new TableColumns<User>('`user`', {
  id: 'id',
  username: 'username',
  usernameCanonical: 'username_canonical',
  email: 'email',
  passwordHash: 'password_hash',
  createdAt: 'created_at',
});

function toUser(r: Row): User {
  return Object.assign(new User(), {
    id: Number(r.id),
    username: r.username as string,
    usernameCanonical: r.username_canonical as string,
    email: (r.email as string | null) ?? null,
    passwordHash: r.password_hash as string,
    createdAt: Number(r.created_at),
  });
}

/** Table `user`, through raw SQL built from its one column list. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findById(id: number): Promise<User | null> {
    const rows = await this.db.query(`SELECT ${USER.list} FROM ${USER.table} WHERE id = ?`, [id]);
    return rows.length ? toUser(rows[0]) : null;
  }

  /** By the canonical form (see username.ts); the column compares in binary on both databases. */
  async findByCanonicalUsername(canonical: string): Promise<User | null> {
    const rows = await this.db.query(`SELECT ${USER.list} FROM ${USER.table} WHERE username_canonical = ?`, [canonical]);
    return rows.length ? toUser(rows[0]) : null;
  }

  async list(limit: number, offset: number): Promise<[User[], number]> {
    const rows = await this.db.query(`SELECT ${USER.list} FROM ${USER.table} ORDER BY id LIMIT ? OFFSET ?`, [limit, offset]);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${USER.table}`);
    return [rows.map(toUser), Number(total)];
  }

  async insert(user: Omit<User, 'id'>): Promise<User> {
    const { insertId } = await this.db.execute(USER.insert(), USER.insertValues(user));
    return Object.assign(new User(), { ...user, id: Number(insertId) });
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<void> {
    const set = USER.assignments(changes);
    if (set.values.length) await this.db.execute(`UPDATE ${USER.table} SET ${set.sql} WHERE id = ?`, [...set.values, id]);
  }

  /** Codes, tokens and owned clients go with the user (ON DELETE CASCADE). */
  async delete(id: number): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${USER.table} WHERE id = ?`, [id]);
    return affected > 0;
  }
}
