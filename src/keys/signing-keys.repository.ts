import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { nullableNumber as n, Row, TableColumns } from '../database/table';
import { SigningAlg, SigningKey } from './signing-key.entity';

const KEY = new TableColumns<SigningKey>('signing_key', {
  id: 'id',
  kid: 'kid',
  alg: 'alg',
  generation: 'generation',
  publicJwk: 'public_jwk',
  privateKey: 'private_key',
  createdAt: 'created_at',
  activatesAt: 'activates_at',
  retiredAt: 'retired_at',
  expiresAt: 'expires_at',
});

function toKey(r: Row): SigningKey {
  return Object.assign(new SigningKey(), {
    id: Number(r.id),
    kid: r.kid as string,
    alg: r.alg as SigningAlg,
    generation: Number(r.generation),
    publicJwk: r.public_jwk as string,
    privateKey: r.private_key as string,
    createdAt: Number(r.created_at),
    activatesAt: Number(r.activates_at),
    retiredAt: n(r.retired_at),
    expiresAt: n(r.expires_at),
  });
}

/** Thrown when another instance inserted the same (alg, generation) first. */
export class KeyGenerationTakenError extends Error {}

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** Every key, oldest first. */
  async all(): Promise<SigningKey[]> {
    return (await this.db.query(`SELECT ${KEY.list} FROM signing_key ORDER BY generation, id`)).map(toKey);
  }

  async insert(key: Omit<SigningKey, 'id'>): Promise<void> {
    try {
      await this.db.execute(KEY.insert(), KEY.insertValues(key));
    } catch (err) {
      const e = err as { code?: string; driverError?: { code?: string } };
      const code = e.code ?? e.driverError?.code ?? '';
      if (code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT')) throw new KeyGenerationTakenError();
      throw err;
    }
  }

  /** Retires every older key of this algorithm that is not retired yet: it signs until `retiredAt`, is published until `expiresAt`. */
  async retireOlder(alg: SigningAlg, generation: number, retiredAt: number, expiresAt: number): Promise<number> {
    const { affected } = await this.db.execute(
      'UPDATE signing_key SET retired_at = ?, expires_at = ? WHERE alg = ? AND generation < ? AND retired_at IS NULL',
      [retiredAt, expiresAt, alg, generation],
    );
    return affected;
  }

  /** Stores a key's private half sealed under another secret (re-encryption at start). */
  async updatePrivateKey(kid: string, sealed: string): Promise<void> {
    await this.db.execute('UPDATE signing_key SET private_key = ? WHERE kid = ?', [sealed, kid]);
  }
}
