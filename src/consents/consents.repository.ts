import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { ConsentGrant } from './consent-grant.entity';

const CONSENT = new TableColumns<ConsentGrant>('oauth2_consent', {
  id: 'id',
  userId: 'user_id',
  clientId: 'client_id',
  scope: 'scope',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
});

function toConsentGrant(r: Row): ConsentGrant {
  return Object.assign(new ConsentGrant(), {
    id: Number(r.id),
    userId: Number(r.user_id),
    clientId: r.client_id as string,
    scope: r.scope as string,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
}

/** Table `oauth2_consent`, through raw SQL built from its one column list. */
@Injectable()
export class ConsentsRepository {
  constructor(private readonly db: Db) {}

  async find(userId: number, clientId: string): Promise<ConsentGrant | null> {
    const rows = await this.db.query(`SELECT ${CONSENT.list} FROM ${CONSENT.table} WHERE user_id = ? AND client_id = ?`, [userId, clientId]);
    return rows.length ? toConsentGrant(rows[0]) : null;
  }

  async listByUser(userId: number): Promise<ConsentGrant[]> {
    const rows = await this.db.query(`SELECT ${CONSENT.list} FROM ${CONSENT.table} WHERE user_id = ? ORDER BY id`, [userId]);
    return rows.map(toConsentGrant);
  }

  /** Throws on a duplicate (user, client): the unique key decides between concurrent approvals. */
  async insert(grant: Omit<ConsentGrant, 'id'>): Promise<ConsentGrant> {
    const { insertId } = await this.db.execute(CONSENT.insert(), CONSENT.insertValues(grant));
    return Object.assign(new ConsentGrant(), { ...grant, id: Number(insertId) });
  }

  /** Compare-and-set on the scope read before: false when another approval changed it meanwhile. */
  async updateScope(id: number, expectedScope: string, scope: string, now: number): Promise<boolean> {
    const { affected } = await this.db.execute(`UPDATE ${CONSENT.table} SET scope = ?, updated_at = ? WHERE id = ? AND scope = ?`, [scope, now, id, expectedScope]);
    return affected === 1;
  }

  async delete(userId: number, clientId: string): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${CONSENT.table} WHERE user_id = ? AND client_id = ?`, [userId, clientId]);
    return affected > 0;
  }
}
