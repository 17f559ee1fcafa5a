import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { booleanColumn, nullableNumber, Row, TableColumns } from '../database/table';
import { AuthorizationCode } from './authorization-code.entity';
import { resourcesColumn } from '../resources/resource-indicators';

const CODE = new TableColumns<AuthorizationCode>('oauth2_code', {
  id: 'id',
  codeHash: 'code_hash',
  clientId: 'client_id',
  userId: 'user_id',
  redirectUri: 'redirect_uri',
  redirectUriSent: 'redirect_uri_sent',
  scope: 'scope',
  nonce: 'nonce',
  authTime: 'auth_time',
  codeChallenge: 'code_challenge',
  codeChallengeMethod: 'code_challenge_method',
  expiresAt: 'expires_at',
  usedAt: 'used_at',
  resources: 'resources',
  dpopJkt: 'dpop_jkt',
}, { resources: resourcesColumn.encode });

function toAuthorizationCode(r: Row): AuthorizationCode {
  return Object.assign(new AuthorizationCode(), {
    id: Number(r.id),
    codeHash: r.code_hash as string,
    clientId: r.client_id as string,
    userId: Number(r.user_id),
    redirectUri: r.redirect_uri as string,
    redirectUriSent: booleanColumn(r.redirect_uri_sent),
    scope: r.scope as string,
    nonce: (r.nonce as string | null) ?? null,
    authTime: Number(r.auth_time),
    codeChallenge: (r.code_challenge as string | null) ?? null,
    codeChallengeMethod: (r.code_challenge_method as string | null) ?? null,
    expiresAt: Number(r.expires_at),
    usedAt: nullableNumber(r.used_at),
    resources: resourcesColumn.decode(r.resources),
    dpopJkt: (r.dpop_jkt as string | null) ?? null,
  });
}

/** Table `oauth2_code`, through raw SQL built from its one column list. */
@Injectable()
export class AuthorizationCodesRepository {
  constructor(private readonly db: Db) {}

  async insert(code: Omit<AuthorizationCode, 'id'>): Promise<AuthorizationCode> {
    const { insertId } = await this.db.execute(CODE.insert(), CODE.insertValues(code));
    return Object.assign(new AuthorizationCode(), { ...code, id: Number(insertId) });
  }

  async findById(id: number): Promise<AuthorizationCode | null> {
    const rows = await this.db.query(`SELECT ${CODE.list} FROM ${CODE.table} WHERE id = ?`, [id]);
    return rows.length ? toAuthorizationCode(rows[0]) : null;
  }

  async findByHash(codeHash: string): Promise<AuthorizationCode | null> {
    const rows = await this.db.query(`SELECT ${CODE.list} FROM ${CODE.table} WHERE code_hash = ?`, [codeHash]);
    return rows.length ? toAuthorizationCode(rows[0]) : null;
  }

  /** Single use: one conditional UPDATE, true for exactly one caller (RFC 6749 §4.1.2). */
  async markUsed(id: number, now: number): Promise<boolean> {
    const { affected } = await this.db.execute(`UPDATE ${CODE.table} SET used_at = ? WHERE id = ? AND used_at IS NULL`, [now, id]);
    return affected === 1;
  }

  /** Burns the codes not yet redeemed by this user for this client (consent withdrawn). */
  async markUnusedAsUsed(userId: number, clientId: string, now: number): Promise<number> {
    const { affected } = await this.db.execute(
      `UPDATE ${CODE.table} SET used_at = ? WHERE user_id = ? AND client_id = ? AND used_at IS NULL`,
      [now, userId, clientId],
    );
    return affected;
  }
}
