import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Client } from './client.entity';

@Injectable()
export class ClientsRepository {
  constructor(private readonly db: Db) {}

  findByClientId(clientId: string): Promise<Client | null> {
    return this.db.run((m) => m.findOneBy(Client, { clientId }));
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
