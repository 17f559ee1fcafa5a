import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Client } from './client.entity';

type Row = Record<string, unknown>;

function toClient(r: Row): Client {
  return Object.assign(new Client(), {
    id: Number(r.id),
    clientId: r.client_id as string,
    clientSecretHash: (r.client_secret_hash as string | null) ?? null,
    clientIdIssuedAt: Number(r.client_id_issued_at),
    clientSecretExpiresAt: Number(r.client_secret_expires_at),
    metadata: JSON.parse(r.client_metadata as string),
    userId: r.user_id === null || r.user_id === undefined ? null : Number(r.user_id),
  });
}

@Injectable()
export class ClientsRepository {
  constructor(private readonly db: Db) {}

  /** On every token request: one prepared statement, no entity hydration. */
  async findByClientId(clientId: string): Promise<Client | null> {
    const rows = await this.db.query(
      'SELECT id, client_id, client_secret_hash, client_id_issued_at, client_secret_expires_at, client_metadata, user_id ' +
        'FROM oauth2_client WHERE client_id = ?',
      [clientId],
    );
    return rows.length ? toClient(rows[0]) : null;
  }

  list(filter: { userId?: number }, limit: number, offset: number): Promise<[Client[], number]> {
    const where = filter.userId !== undefined ? { userId: filter.userId } : {};
    return this.db.run((m) => m.findAndCount(Client, { where, order: { id: 'ASC' }, take: limit, skip: offset }));
  }

  insert(client: Omit<Client, 'id'>): Promise<Client> {
    return this.db.run((m) => m.save(Client, m.create(Client, client)));
  }

  async update(clientId: string, changes: Partial<Pick<Client, 'metadata' | 'clientSecretHash' | 'clientSecretExpiresAt'>>): Promise<void> {
    await this.db.run((m) => m.update(Client, { clientId }, changes));
  }

  /** Its codes and tokens go with it (ON DELETE CASCADE). */
  async delete(clientId: string): Promise<boolean> {
    const result = await this.db.run((m) => m.delete(Client, { clientId }));
    return (result.affected ?? 0) > 0;
  }
}
