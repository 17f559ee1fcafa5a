import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { User } from './user.entity';

const COLUMNS = 'id, username, email, password_hash, created_at';

function toUser(r: Record<string, unknown>): User {
  return Object.assign(new User(), {
    id: Number(r.id),
    username: r.username as string,
    email: (r.email as string | null) ?? null,
    passwordHash: r.password_hash as string,
    createdAt: Number(r.created_at),
  });
}

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  // Lookups sit on hot paths (bearer calls, sign-in, the password grant): prepared raw SQL.
  async findById(id: number): Promise<User | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM \`user\` WHERE id = ?`, [id]);
    return rows.length ? toUser(rows[0]) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM \`user\` WHERE username = ?`, [username]);
    return rows.length ? toUser(rows[0]) : null;
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.db.run((m) => m.findAndCount(User, { order: { id: 'ASC' }, take: limit, skip: offset }));
  }

  insert(user: Omit<User, 'id'>): Promise<User> {
    return this.db.run((m) => m.save(User, m.create(User, user)));
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<void> {
    await this.db.run((m) => m.update(User, { id }, changes));
  }

  /** Codes, tokens and owned clients go with the user (ON DELETE CASCADE). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.run((m) => m.delete(User, { id }));
    return (result.affected ?? 0) > 0;
  }
}
