import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { ClientRegistration } from './client-registration.entity';

const REGISTRATION = new TableColumns<ClientRegistration>('oauth2_registration', {
  id: 'id',
  clientId: 'client_id',
  accessTokenHash: 'access_token_hash',
  createdAt: 'created_at',
  ip: 'ip',
});

function toRegistration(r: Row): ClientRegistration {
  return Object.assign(new ClientRegistration(), {
    id: Number(r.id),
    clientId: r.client_id as string,
    accessTokenHash: r.access_token_hash as string,
    createdAt: Number(r.created_at),
    ip: (r.ip as string | null) ?? null,
  });
}

/** Table `oauth2_registration`. */
@Injectable()
export class RegistrationsRepository {
  constructor(private readonly db: Db) {}

  async insert(registration: Omit<ClientRegistration, 'id'>): Promise<void> {
    await this.db.execute(REGISTRATION.insert(), REGISTRATION.insertValues(registration));
  }

  async findByClientId(clientId: string): Promise<ClientRegistration | null> {
    const rows = await this.db.query(`SELECT ${REGISTRATION.list} FROM ${REGISTRATION.table} WHERE client_id = ?`, [clientId]);
    return rows.length ? toRegistration(rows[0]) : null;
  }

  /** Live self-registered clients: the cap and the metric. */
  async count(): Promise<number> {
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${REGISTRATION.table}`);
    return Number(total);
  }

  /**
   * Self-registered clients registered before `before` with no token issued since then: abandoned.
   * At most `limit`, oldest first.
   */
  async findIdle(before: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ client_id: string }>(
      `SELECT r.client_id FROM ${REGISTRATION.table} r WHERE r.created_at < ? ` +
        'AND NOT EXISTS (SELECT 1 FROM oauth2_token t WHERE t.client_id = r.client_id AND t.issued_at >= ?) ORDER BY r.id LIMIT ?',
      [before, before, limit],
    );
    return rows.map((r) => r.client_id);
  }
}
