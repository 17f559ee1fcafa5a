import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { AuthorizationCode } from './authorization-code.entity';

@Injectable()
export class AuthorizationCodesRepository {
  constructor(private readonly db: Db) {}

  insert(code: Omit<AuthorizationCode, 'id'>): Promise<AuthorizationCode> {
    return this.db.run((m) => m.save(AuthorizationCode, m.create(AuthorizationCode, code)));
  }

  findByHash(codeHash: string): Promise<AuthorizationCode | null> {
    return this.db.run((m) => m.findOneBy(AuthorizationCode, { codeHash }));
  }

  /** Single use: one conditional UPDATE, true for exactly one caller (RFC 6749 §4.1.2). */
  async markUsed(id: number, now: number): Promise<boolean> {
    const { affected } = await this.db.execute('UPDATE oauth2_code SET used_at = ? WHERE id = ? AND used_at IS NULL', [now, id]);
    return affected === 1;
  }

  /** Burns the codes not yet redeemed by this user for this client (consent withdrawn). */
  async markUnusedAsUsed(userId: number, clientId: string, now: number): Promise<number> {
    const { affected } = await this.db.execute(
      'UPDATE oauth2_code SET used_at = ? WHERE user_id = ? AND client_id = ? AND used_at IS NULL',
      [now, userId, clientId],
    );
    return affected;
  }
}
