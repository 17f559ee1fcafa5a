import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { DatabaseUnavailableError } from '../database/database-unavailable.error';
import { nullableNumber as n, TableColumns } from '../database/table';
import { Token } from './token.entity';
import { resourcesColumn } from '../resources/resource-indicators';
import { MetricsService } from '../metrics/metrics.service';

const TOKEN = new TableColumns<Token, Exclude<keyof Token, 'owner'>>('oauth2_token', {
  id: 'id',
  clientId: 'client_id',
  userId: 'user_id',
  tokenType: 'token_type',
  accessTokenHash: 'access_token_hash',
  refreshTokenHash: 'refresh_token_hash',
  scope: 'scope',
  issuedAt: 'issued_at',
  expiresIn: 'expires_in',
  accessTokenRevokedAt: 'access_token_revoked_at',
  refreshTokenRevokedAt: 'refresh_token_revoked_at',
  codeId: 'code_id',
  familyId: 'family_id',
  parentId: 'parent_id',
  resources: 'resources',
  audience: 'audience',
  jkt: 'jkt',
}, { resources: resourcesColumn.encode, audience: resourcesColumn.encode });

/** Where a raw row (QueryOptions.raw) of `SELECT ${TOKEN.list}` or of WITH_OWNER has each value. */
const P = TOKEN.position;
const OWNER_USERNAME = Object.keys(P).length;
const OWNER_EMAIL = OWNER_USERNAME + 1;

/** A token from a raw row; WITH_OWNER's rows carry the owner after the token's columns. */
function toToken(r: readonly unknown[]): Token {
  const token = Object.assign(new Token(), {
    id: Number(r[P.id]),
    clientId: r[P.clientId] as string,
    userId: n(r[P.userId]),
    tokenType: r[P.tokenType] as string,
    accessTokenHash: r[P.accessTokenHash] as string,
    refreshTokenHash: (r[P.refreshTokenHash] as string | null) ?? null,
    scope: r[P.scope] as string,
    issuedAt: Number(r[P.issuedAt]),
    expiresIn: Number(r[P.expiresIn]),
    accessTokenRevokedAt: n(r[P.accessTokenRevokedAt]),
    refreshTokenRevokedAt: n(r[P.refreshTokenRevokedAt]),
    codeId: n(r[P.codeId]),
    familyId: (r[P.familyId] as string | null) ?? null,
    parentId: n(r[P.parentId]),
    resources: resourcesColumn.decode(r[P.resources]),
    audience: resourcesColumn.decode(r[P.audience]),
    jkt: (r[P.jkt] as string | null) ?? null,
  });
  if (r.length > OWNER_USERNAME) {
    const username = r[OWNER_USERNAME] as string | null;
    token.owner = username === null ? null : { id: Number(token.userId), username, email: (r[OWNER_EMAIL] as string | null) ?? null };
  }
  return token;
}

/** The same columns with the resource owner joined in: bearer calls and introspection need both, in one query. */
const WITH_OWNER =
  `SELECT ${TOKEN.prefixed('t')}, u.username AS owner_username, u.email AS owner_email ` +
  'FROM oauth2_token t LEFT JOIN `user` u ON u.id = t.user_id';
/** Built once: a statement's text is its key in the driver's statement cache, hashed on every call. */
const BY_ACCESS_TOKEN_HASH = `${WITH_OWNER} WHERE t.access_token_hash = ?`;
const BY_REFRESH_TOKEN_HASH = `${WITH_OWNER} WHERE t.refresh_token_hash = ?`;
const RAW = { raw: true } as const;
const RAW_PREPARED = { prepare: true, raw: true } as const;

/**
 * `oauth2_token` through prepared raw SQL: these statements sit on the hottest paths (every token
 * request, every bearer call), where entity hydration showed in the profile.
 */
/** Rows per grouped INSERT (14 parameters each stays far below both drivers' limits). */
const MAX_BATCH = 200;


@Injectable()
export class TokensRepository {
  private readonly queued: Array<{ values: unknown[]; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(
    private readonly db: Db,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Stores a token row. Inside a transaction the INSERT runs at once; otherwise concurrent inserts
   * are grouped into one multi-row INSERT per event-loop turn (group commit). Either way the promise
   * settles only after the row is committed.
   */
  async insert(token: Omit<Token, 'id'>): Promise<void> {
    if (this.db.inTransaction) {
      await this.db.execute(TOKEN.insert(), TOKEN.insertValues(token));
      return;
    }
    return new Promise((resolve, reject) => {
      this.queued.push({ values: TOKEN.insertValues(token), resolve, reject });
      if (this.queued.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queued.splice(0, MAX_BATCH);
    if (this.queued.length > 0) setImmediate(() => void this.flush());
    this.metrics.groupCommitBatch.observe(batch.length);
    try {
      await this.db.execute(TOKEN.insert(batch.length), batch.flatMap((b) => b.values));
      for (const b of batch) b.resolve();
    } catch (err) {
      // The database cannot write now: every row of the batch fails alike, answered 503 by the caller.
      if (batch.length === 1 || err instanceof DatabaseUnavailableError) return batch.forEach((b) => b.reject(err));
      // One bad row (say, its client was just deleted) must not fail the others: retry them one by one.
      for (const b of batch) {
        this.db.execute(TOKEN.insert(), b.values).then(() => b.resolve(), b.reject);
      }
    }
  }

  async findByAccessTokenHash(hash: string): Promise<Token | null> {
    const rows = await this.db.query<unknown[]>(BY_ACCESS_TOKEN_HASH, [hash], RAW_PREPARED);
    return rows.length ? toToken(rows[0]) : null;
  }

  async findByRefreshTokenHash(hash: string): Promise<Token | null> {
    const rows = await this.db.query<unknown[]>(BY_REFRESH_TOKEN_HASH, [hash], RAW_PREPARED);
    return rows.length ? toToken(rows[0]) : null;
  }

  /** The first token of a rotation family: the one issued by the original grant. */
  async findFamilyRoot(familyId: string): Promise<Token | null> {
    const rows = await this.db.query<unknown[]>(`SELECT ${TOKEN.list} FROM oauth2_token WHERE family_id = ? AND parent_id IS NULL`, [familyId], RAW);
    return rows.length ? toToken(rows[0]) : null;
  }

  async findById(id: number): Promise<Token | null> {
    const rows = await this.db.query<unknown[]>(`SELECT ${TOKEN.list} FROM oauth2_token WHERE id = ?`, [id], RAW);
    return rows.length ? toToken(rows[0]) : null;
  }

  async list(filter: { clientId?: string; userId?: number }, limit: number, offset: number): Promise<[Token[], number]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.clientId !== undefined) {
      where.push('client_id = ?');
      params.push(filter.clientId);
    }
    if (filter.userId !== undefined) {
      where.push('user_id = ?');
      params.push(filter.userId);
    }
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = await this.db.query<unknown[]>(`SELECT ${TOKEN.list} FROM oauth2_token${clause} ORDER BY id LIMIT ? OFFSET ?`, [...params, limit, offset], RAW);
    const [{ total }] = await this.db.query<{ total: number }>(`SELECT COUNT(*) AS total FROM oauth2_token${clause}`, params);
    return [rows.map(toToken), Number(total)];
  }

  /** Rotation's single-use check: true for exactly one caller (RFC 9700 §4.14.2). */
  async retireRefreshToken(id: number, now: number): Promise<boolean> {
    const { affected } = await this.db.execute(
      'UPDATE oauth2_token SET refresh_token_revoked_at = ? WHERE id = ? AND refresh_token_revoked_at IS NULL',
      [now, id],
    );
    return affected === 1;
  }

  /**
   * The refresh reuse grace window, decided in the database: true when this refresh token was
   * retired by a rotation at or after `since` and its family was not revoked since (a revocation
   * sets access_token_revoked_at on every row). The row is written (to itself), so in a transaction
   * it stays locked until commit: a family revocation racing this waits and then revokes the
   * sibling too.
   */
  async holdRotatedSince(id: number, since: number): Promise<boolean> {
    const { affected } = await this.db.execute(
      'UPDATE oauth2_token SET refresh_token_revoked_at = refresh_token_revoked_at WHERE id = ? AND refresh_token_revoked_at >= ? AND access_token_revoked_at IS NULL',
      [id, since],
    );
    return affected === 1;
  }

  /** Revokes every token one user granted one client (the user withdrew consent). */
  async revokeForUserAndClient(userId: number, clientId: string, now: number): Promise<number> {
    const { affected } = await this.db.execute(
      `UPDATE oauth2_token SET access_token_revoked_at = COALESCE(access_token_revoked_at, ?), ` +
        `refresh_token_revoked_at = COALESCE(refresh_token_revoked_at, ?) WHERE user_id = ? AND client_id = ? ` +
        `AND (access_token_revoked_at IS NULL OR refresh_token_revoked_at IS NULL)`,
      [now, now, userId, clientId],
    );
    return affected;
  }

  /** Revokes access and refresh token of every row matching one column. */
  async revokeWhere(column: 'id' | 'family_id' | 'code_id' | 'user_id', value: number | string, now: number): Promise<number> {
    const { affected } = await this.db.execute(
      `UPDATE oauth2_token SET access_token_revoked_at = COALESCE(access_token_revoked_at, ?), ` +
        `refresh_token_revoked_at = COALESCE(refresh_token_revoked_at, ?) WHERE ${column} = ?`,
      [now, now, value],
    );
    return affected;
  }
}
