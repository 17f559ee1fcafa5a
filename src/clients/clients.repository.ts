import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { booleanColumn, nullableNumber, Row, TableColumns } from '../database/table';
import { Client } from './client.entity';
import { ClientMetadata } from './client-metadata';

const CLIENT = new TableColumns<Client>(
  'oauth2_client',
  {
    id: 'id',
    clientId: 'client_id',
    clientSecretHash: 'client_secret_hash',
    clientIdIssuedAt: 'client_id_issued_at',
    clientSecretExpiresAt: 'client_secret_expires_at',
    metadata: 'client_metadata',
    userId: 'user_id',
    vetted: 'vetted',
  },
  { metadata: (m) => JSON.stringify(m) },
);

/** The one place `client_metadata` (RFC 7591 metadata as JSON text) is parsed. */
function toClient(r: Row): Client {
  return Object.assign(new Client(), {
    id: Number(r.id),
    clientId: r.client_id as string,
    clientSecretHash: (r.client_secret_hash as string | null) ?? null,
    clientIdIssuedAt: Number(r.client_id_issued_at),
    clientSecretExpiresAt: Number(r.client_secret_expires_at),
    metadata: JSON.parse(r.client_metadata as string) as ClientMetadata,
    userId: nullableNumber(r.user_id),
    vetted: booleanColumn(r.vetted),
  });
}

/** Table `oauth2_client`, through raw SQL built from its one column list. */
@Injectable()
export class ClientsRepository {
  constructor(private readonly db: Db) {}

  /** On every token request: one prepared statement. */
  async findByClientId(clientId: string): Promise<Client | null> {
    const rows = await this.db.query(`SELECT ${CLIENT.list} FROM ${CLIENT.table} WHERE client_id = ?`, [clientId], { prepare: true });
    return rows.length ? toClient(rows[0]) : null;
  }

  /**
   * Clients whose metadata mentions `origin` as the start of a JSON string: every client listing it
   * in allowed_cors_origins or having a redirect URI on it, plus a few look-alikes the caller
   * filters out (LIKE ignores case; `https://a.example` also starts `https://a.example.org/cb`).
   */
  async findMentioningOrigin(origin: string): Promise<Client[]> {
    const pattern = `%"${origin.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    const rows = await this.db.query(`SELECT ${CLIENT.list} FROM ${CLIENT.table} WHERE client_metadata LIKE ? ESCAPE '!' LIMIT 100`, [pattern]);
    return rows.map(toClient);
  }

  async list(filter: { userId?: number }, limit: number, offset: number): Promise<[Client[], number]> {
    const clause = filter.userId !== undefined ? ' WHERE user_id = ?' : '';
    const params = filter.userId !== undefined ? [filter.userId] : [];
    const rows = await this.db.query(`SELECT ${CLIENT.list} FROM ${CLIENT.table}${clause} ORDER BY id LIMIT ? OFFSET ?`, [...params, limit, offset]);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${CLIENT.table}${clause}`, params);
    return [rows.map(toClient), Number(total)];
  }

  async insert(client: Omit<Client, 'id'>): Promise<Client> {
    const { insertId } = await this.db.execute(CLIENT.insert(), CLIENT.insertValues(client));
    return Object.assign(new Client(), { ...client, id: Number(insertId) });
  }

  async update(clientId: string, changes: Partial<Pick<Client, 'metadata' | 'clientSecretHash' | 'clientSecretExpiresAt' | 'vetted'>>): Promise<void> {
    const set = CLIENT.assignments(changes);
    if (set.values.length) await this.db.execute(`UPDATE ${CLIENT.table} SET ${set.sql} WHERE client_id = ?`, [...set.values, clientId]);
  }

  /** Its codes and tokens go with it (ON DELETE CASCADE). */
  async delete(clientId: string): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${CLIENT.table} WHERE client_id = ?`, [clientId]);
    return affected > 0;
  }
}
