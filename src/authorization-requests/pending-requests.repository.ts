import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { PendingRequestRow } from './pending-request.entity';

const COLUMNS = 'key_hash, request_id, user_id, auth_time, expires_at, request';

function toRow(r: Record<string, unknown>): PendingRequestRow {
  return Object.assign(new PendingRequestRow(), {
    keyHash: r.key_hash as string,
    requestId: r.request_id as string,
    userId: Number(r.user_id),
    authTime: Number(r.auth_time),
    expiresAt: Number(r.expires_at),
    request: r.request as string,
  });
}

@Injectable()
export class PendingRequestsRepository {
  constructor(private readonly db: Db) {}

  async insert(row: PendingRequestRow): Promise<void> {
    await this.db.execute(`INSERT INTO oauth2_pending_request (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
      row.keyHash,
      row.requestId,
      row.userId,
      row.authTime,
      row.expiresAt,
      row.request,
    ]);
  }

  async find(keyHash: string): Promise<PendingRequestRow | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM oauth2_pending_request WHERE key_hash = ?`, [keyHash]);
    return rows.length ? toRow(rows[0]) : null;
  }

  /** One conditional DELETE: true for exactly one of two concurrent submissions. */
  async delete(keyHash: string): Promise<boolean> {
    const { affected } = await this.db.execute('DELETE FROM oauth2_pending_request WHERE key_hash = ?', [keyHash]);
    return affected === 1;
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.execute('DELETE FROM oauth2_pending_request WHERE expires_at <= ?', [now]);
  }
}
