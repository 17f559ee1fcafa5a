import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { ConsentGrant } from './consent-grant.entity';

@Injectable()
export class ConsentsRepository {
  constructor(private readonly db: Db) {}

  find(userId: number, clientId: string): Promise<ConsentGrant | null> {
    return this.db.run((m) => m.findOneBy(ConsentGrant, { userId, clientId }));
  }

  listByUser(userId: number): Promise<ConsentGrant[]> {
    return this.db.run((m) => m.find(ConsentGrant, { where: { userId }, order: { id: 'ASC' } }));
  }

  /** Throws on a duplicate (user, client): the unique key decides between concurrent approvals. */
  insert(grant: Omit<ConsentGrant, 'id'>): Promise<ConsentGrant> {
    return this.db.run((m) => m.save(ConsentGrant, m.create(ConsentGrant, grant)));
  }

  /** Compare-and-set on the scope read before: false when another approval changed it meanwhile. */
  async updateScope(id: number, expectedScope: string, scope: string, now: number): Promise<boolean> {
    const { affected } = await this.db.execute('UPDATE oauth2_consent SET scope = ?, updated_at = ? WHERE id = ? AND scope = ?', [scope, now, id, expectedScope]);
    return affected === 1;
  }

  async delete(userId: number, clientId: string): Promise<boolean> {
    const { affected } = await this.db.execute('DELETE FROM oauth2_consent WHERE user_id = ? AND client_id = ?', [userId, clientId]);
    return affected > 0;
  }
}
