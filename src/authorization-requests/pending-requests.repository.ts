import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { PendingRequestRow } from './pending-request.entity';

const PENDING = new TableColumns<PendingRequestRow>('oauth2_pending_request', {
  id: 'id',
  keyHash: 'key_hash',
  requestId: 'request_id',
  userId: 'user_id',
  authTime: 'auth_time',
  expiresAt: 'expires_at',
  request: 'request',
});

function toPendingRequest(r: Row): PendingRequestRow {
  return Object.assign(new PendingRequestRow(), {
    id: Number(r.id),
    keyHash: r.key_hash as string,
    requestId: r.request_id as string,
    userId: Number(r.user_id),
    authTime: Number(r.auth_time),
    expiresAt: Number(r.expires_at),
    request: r.request as string,
  });
}

/** Table `oauth2_pending_request`, through raw SQL built from its one column list. */
@Injectable()
export class PendingRequestsRepository {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<PendingRequestRow, 'id'>): Promise<void> {
    await this.db.execute(PENDING.insert(), PENDING.insertValues(row));
  }

  async find(keyHash: string): Promise<PendingRequestRow | null> {
    const rows = await this.db.query(`SELECT ${PENDING.list} FROM ${PENDING.table} WHERE key_hash = ?`, [keyHash]);
    return rows.length ? toPendingRequest(rows[0]) : null;
  }

  /** One conditional DELETE: true for exactly one of two concurrent submissions. */
  async delete(keyHash: string): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${PENDING.table} WHERE key_hash = ?`, [keyHash]);
    return affected === 1;
  }

  async deleteExpired(now: number): Promise<void> {
    await this.db.execute(`DELETE FROM ${PENDING.table} WHERE expires_at <= ?`, [now]);
  }
}
