import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { Row, TableColumns } from '../database/table';
import { InitialAccessToken } from './initial-access-token.entity';

const TOKEN = new TableColumns<InitialAccessToken>('oauth2_initial_access_token', {
  id: 'id',
  tokenHash: 'token_hash',
  description: 'description',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
  usesLeft: 'uses_left',
});

function toToken(r: Row): InitialAccessToken {
  return Object.assign(new InitialAccessToken(), {
    id: Number(r.id),
    tokenHash: r.token_hash as string,
    description: (r.description as string | null) ?? null,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usesLeft: Number(r.uses_left),
  });
}

/** Table `oauth2_initial_access_token`. */
@Injectable()
export class InitialAccessTokensRepository {
  constructor(private readonly db: Db) {}

  async insert(token: Omit<InitialAccessToken, 'id'>): Promise<InitialAccessToken> {
    const { insertId } = await this.db.execute(TOKEN.insert(), TOKEN.insertValues(token));
    return Object.assign(new InitialAccessToken(), { ...token, id: Number(insertId) });
  }

  /** Takes one use of a live token: true for exactly as many callers as it had uses left. */
  async use(tokenHash: string, now: number): Promise<boolean> {
    const { affected } = await this.db.execute(
      `UPDATE ${TOKEN.table} SET uses_left = uses_left - 1 WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?`,
      [tokenHash, now],
    );
    return affected === 1;
  }

  async list(limit: number, offset: number): Promise<[InitialAccessToken[], number]> {
    const rows = await this.db.query(`SELECT ${TOKEN.list} FROM ${TOKEN.table} ORDER BY id LIMIT ? OFFSET ?`, [limit, offset]);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM ${TOKEN.table}`);
    return [rows.map(toToken), Number(total)];
  }

  async delete(id: number): Promise<boolean> {
    const { affected } = await this.db.execute(`DELETE FROM ${TOKEN.table} WHERE id = ?`, [id]);
    return affected > 0;
  }
}
