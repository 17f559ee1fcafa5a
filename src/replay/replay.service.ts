import { Injectable } from '@nestjs/common';
import { sha256 } from '../common/crypto';
import { Db } from '../database/db';

/** What a `jti` identifies: a client assertion (RFC 7523) or a DPoP proof (RFC 9449). */
export type JtiKind = 'client_assertion' | 'dpop';

/**
 * One-time JWT ids, shared by every instance through the database: the first INSERT of a
 * (kind, issuer, jti) wins, any later one hits the primary key and is a replay. The janitor deletes
 * rows whose JWT has expired.
 */
@Injectable()
export class ReplayService {
  constructor(private readonly db: Db) {}

  /** True the first time this jti is seen (it is then recorded until `expiresAt`); false on a replay. */
  async useOnce(kind: JtiKind, issuer: string, jti: string, expiresAt: number): Promise<boolean> {
    try {
      await this.db.execute('INSERT INTO oauth2_used_jti (jti_hash, expires_at) VALUES (?, ?)', [sha256(`${kind}:${issuer}:${jti}`), expiresAt]);
      return true;
    } catch (err) {
      const e = err as { code?: string; driverError?: { code?: string } };
      const code = e.code ?? e.driverError?.code ?? '';
      if (code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT')) return false;
      throw err;
    }
  }
}
