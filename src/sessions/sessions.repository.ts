import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns, nullableNumber } from '../database/table';
import { UserSession } from './user-session.entity';

const SESSION = new TableColumns<UserSession>('user_session', {
  id: 'id',
  idHash: 'id_hash',
  userId: 'user_id',
  authTime: 'auth_time',
  expiresAt: 'expires_at',
  endedAt: 'ended_at',
  ip: 'ip',
  userAgent: 'user_agent',
});

function toSession(r: Row): UserSession {
  return Object.assign(new UserSession(), {
    id: Number(r.id),
    idHash: r.id_hash as string,
    userId: Number(r.user_id),
    authTime: Number(r.auth_time),
    expiresAt: Number(r.expires_at),
    endedAt: nullableNumber(r.ended_at),
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
  });
}

/** Table `user_session`, through raw SQL built from its one column list. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Db) {}

  /** Answers the new row's id. */
  async insert(session: Omit<UserSession, 'id'>): Promise<number> {
    const { insertId } = await this.db.execute(SESSION.insert(), SESSION.insertValues(session));
    return Number(insertId);
  }

  /** Read on every signed-in page: one prepared statement by the unique digest. */
  async findByIdHash(idHash: string): Promise<UserSession | null> {
    const rows = await this.db.query(`SELECT ${SESSION.list} FROM ${SESSION.table} WHERE id_hash = ?`, [idHash]);
    return rows.length ? toSession(rows[0]) : null;
  }

  /** Newest first. */
  async listByUser(userId: number, limit: number, offset: number): Promise<[UserSession[], number]> {
    const rows = await this.db.query(`SELECT ${SESSION.list} FROM ${SESSION.table} WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`, [userId, limit, offset]);
    const [count] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${SESSION.table} WHERE user_id = ?`, [userId]);
    return [rows.map(toSession), Number(count.n)];
  }

  /** True when this call ended it (it was still open). */
  async endByIdHash(idHash: string, now: number): Promise<boolean> {
    const { affected } = await this.db.execute(`UPDATE ${SESSION.table} SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL`, [now, idHash]);
    return affected === 1;
  }

  /** How many open sessions it ended. */
  async endAllForUser(userId: number, now: number): Promise<number> {
    const { affected } = await this.db.execute(`UPDATE ${SESSION.table} SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL`, [now, userId]);
    return affected;
  }

  /** Forgets sessions that ended or expired before `before` (they sign no one in either way). */
  async deleteStale(before: number): Promise<void> {
    await this.db.execute(`DELETE FROM ${SESSION.table} WHERE expires_at < ? OR ended_at < ?`, [before, before]);
  }
}
