import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, sha256, uuidv7 } from '../common/crypto';
import { Db } from '../database/db';
import { AuthorizationCode } from '../authorization-codes/authorization-code.entity';
import { AuthorizationCodesService } from '../authorization-codes/authorization-codes.service';
import { AccessTokenFormat, GrantType } from '../common/oauth-types';
import { JwtAccessTokenService } from '../keys/jwt-access-token.service';
import { Token } from './token.entity';
import { TokensRepository } from './tokens.repository';
import { AuditService } from '../audit/audit.service';
import { MetricsService } from '../metrics/metrics.service';

export interface IssueTokenInput {
  /** How the token was obtained (audit events and metrics); told by the grant. */
  grantType?: GrantType;
  clientId: string;
  userId: number | null;
  scope: string;
  withRefreshToken: boolean;
  /** The code this token is redeemed from (RFC 6749 §4.1.2 reuse revokes it). */
  codeId?: number | null;
  /** Set when rotating: the new token joins its parent's family. */
  parent?: Token;
  /** The client's `access_token_format`: a random string (default) or an RFC 9068 JWT. */
  format?: AccessTokenFormat;
  /** The client IP of the request being answered, for the audit event; null outside a request. */
  ip?: string | null;
  /** RFC 9449: the DPoP key thumbprint the token is bound to (token_type DPoP); null or absent: a bearer token. */
  jkt?: string | null;
  /** RFC 8707: the resources the grant covers (a rotation keeps its parent's); null: not restricted. */
  resources?: string[] | null;
  /** RFC 8707: the access token's audience; null: the default audience. */
  audience?: string[] | null;
}

/** RFC 8707 bounds of a token issued from a code or a refresh token, decided by the grant. */
export interface TokenAudience {
  resources: string[] | null;
  audience: string[] | null;
}

/** What the token endpoint answers (RFC 6749 §5.1) — the only time the values exist in the clear. */
export interface IssuedToken {
  accessToken: string;
  refreshToken: string | null;
  tokenType: 'Bearer' | 'DPoP';
  expiresIn: number;
  scope: string;
}

export type TokenState = 'active' | 'expired' | 'revoked';

@Injectable()
export class TokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly codes: AuthorizationCodesService,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly jwts: JwtAccessTokenService,
  ) {}

  /** A JWT access token is recorded by the digest of the whole JWT, like an opaque one, so lookups stay the same. */
  async issue(input: IssueTokenInput): Promise<IssuedToken> {
    const expiresIn = this.config.accessTokenTtl;
    const accessToken =
      input.format === 'jwt' ? await this.jwts.sign({ clientId: input.clientId, userId: input.userId, scope: input.scope, expiresIn, audience: input.audience ?? null, jkt: input.jkt ?? null }) : randomToken();
    const tokenType = input.jkt ? 'DPoP' : 'Bearer';
    const refreshToken = input.withRefreshToken ? randomToken() : null;
    await this.tokens.insert({
      clientId: input.clientId,
      userId: input.userId,
      tokenType,
      accessTokenHash: sha256(accessToken),
      refreshTokenHash: refreshToken ? sha256(refreshToken) : null,
      scope: input.scope,
      issuedAt: this.clock.now(),
      expiresIn,
      accessTokenRevokedAt: null,
      refreshTokenRevokedAt: null,
      codeId: input.parent?.codeId ?? input.codeId ?? null,
      // Only refresh rotation has a family; a time-ordered id keeps its index append-only.
      familyId: refreshToken ? (input.parent?.familyId ?? uuidv7()) : null,
      parentId: input.parent?.id ?? null,
      resources: input.resources ?? input.parent?.resources ?? null,
      audience: input.audience ?? null,
      jkt: input.jkt ?? null,
    });
    const grantType = input.grantType ?? (input.parent ? 'refresh_token' : input.codeId ? 'authorization_code' : input.userId === null ? 'client_credentials' : 'unknown');
    this.db.afterCommit(() => {
      this.metrics.tokensIssued.inc({ grant_type: grantType });
      this.audit.record({
        type: 'token.issued',
        clientId: input.clientId,
        userId: input.userId,
        ip: input.ip,
        detail: { grant_type: grantType, scope: input.scope, with_refresh_token: refreshToken !== null },
      });
    });
    return { accessToken, refreshToken, tokenType, expiresIn, scope: input.scope };
  }

  /** The row of this access token, whatever its state, or null. */
  findByAccessToken(accessToken: string): Promise<Token | null> {
    return this.tokens.findByAccessTokenHash(sha256(accessToken));
  }

  findByRefreshToken(refreshToken: string): Promise<Token | null> {
    return this.tokens.findByRefreshTokenHash(sha256(refreshToken));
  }

  /**
   * RFC 7009 §2.1 / RFC 7662 §2.1: the token with this value, looked up as the hinted type first
   * and then as the other, so a wrong or unknown hint still finds it.
   */
  async findByValue(value: string, hint?: string): Promise<{ token: Token; type: 'access_token' | 'refresh_token' } | null> {
    const order: Array<'access_token' | 'refresh_token'> = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
    for (const type of order) {
      const token = type === 'access_token' ? await this.findByAccessToken(value) : await this.findByRefreshToken(value);
      if (token) return { token, type };
    }
    return null;
  }

  /**
   * The scope a refresh token carries (RFC 6749 §6): the scope originally granted, kept by every
   * rotation even when an access token was narrowed. A row's own `scope` is its access token's.
   */
  async refreshTokenScope(token: Token): Promise<string> {
    if (token.parentId === null || token.familyId === null) return token.scope;
    return (await this.tokens.findFamilyRoot(token.familyId))?.scope ?? token.scope;
  }

  accessTokenState(token: Token): TokenState {
    if (token.accessTokenRevokedAt !== null) return 'revoked';
    return this.clock.now() < token.issuedAt + token.expiresIn ? 'active' : 'expired';
  }

  /** Seconds since the epoch at which the refresh token stops working. */
  refreshTokenExpiresAt(token: Token): number {
    return token.issuedAt + this.config.refreshTokenTtlFactor * token.expiresIn;
  }

  /**
   * A rotated refresh token presented again within REFRESH_REUSE_GRACE seconds of its rotation,
   * its family not revoked: a client refreshing from several processes at once, or retrying a lost
   * answer. `rotate` confirms it in the database.
   */
  inReuseGrace(token: Token): boolean {
    const grace = this.config.refreshReuseGrace;
    return grace > 0 && token.refreshTokenRevokedAt !== null && token.accessTokenRevokedAt === null && token.refreshTokenRevokedAt >= this.clock.now() - grace;
  }

  refreshTokenState(token: Token): TokenState {
    if (token.refreshTokenRevokedAt !== null) return 'revoked';
    return this.clock.now() < this.refreshTokenExpiresAt(token) ? 'active' : 'expired';
  }

  accessTokenExpiresAt(token: Token): number {
    return token.issuedAt + token.expiresIn;
  }

  /**
   * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): retires `old`'s refresh token and issues a new
   * pair in one transaction. Null when another request already rotated it; the caller then
   * revokes the family.
   */
  rotate(old: Token, scope: string, format?: AccessTokenFormat, ip?: string | null, audience: string[] | null = null, jkt: string | null = null): Promise<IssuedToken | null> {
    return this.db.transaction(async () => {
      const now = this.clock.now();
      if (!(await this.tokens.retireRefreshToken(old.id, now))) {
        // Rotated already (by a request racing this one, or a retry): within REFRESH_REUSE_GRACE, a
        // sibling in the same family instead of a replay.
        const grace = this.config.refreshReuseGrace;
        if (grace <= 0 || !(await this.tokens.holdRotatedSince(old.id, now - grace))) return null;
      }
      return this.issue({ clientId: old.clientId, userId: old.userId, scope, withRefreshToken: true, parent: old, grantType: 'refresh_token', format, ip, resources: old.resources, audience, jkt });
    });
  }

  /**
   * RFC 6749 §4.1.3: marks `code` used and issues its tokens in one transaction. Null when another
   * request redeemed it first; the caller then revokes what was issued from it (§4.1.2).
   */
  redeemCode(code: AuthorizationCode, withRefreshToken: boolean, format?: AccessTokenFormat, ip?: string | null, audience: string[] | null = null, jkt: string | null = null): Promise<IssuedToken | null> {
    return this.db.transaction(async () => {
      if (!(await this.codes.markUsed(code))) return null;
      return this.issue({ clientId: code.clientId, userId: code.userId, scope: code.scope, withRefreshToken, codeId: code.id, grantType: 'authorization_code', format, ip, resources: code.resources, audience, jkt });
    });
  }

  /** Every token of this token's rotation chain (a replayed refresh token, or a revoked one, RFC 7009 §2.1). */
  revokeFamily(token: Token): Promise<number> {
    if (token.familyId === null) return this.tokens.revokeWhere('id', token.id, this.clock.now());
    return this.tokens.revokeWhere('family_id', token.familyId, this.clock.now());
  }

  /** Every token redeemed from one code, and their rotations (RFC 6749 §4.1.2). */
  revokeByCodeId(codeId: number): Promise<number> {
    return this.tokens.revokeWhere('code_id', codeId, this.clock.now());
  }

  /** Every access and refresh token this user granted this client (consent withdrawn). */
  revokeForUserAndClient(userId: number, clientId: string): Promise<number> {
    return this.tokens.revokeForUserAndClient(userId, clientId, this.clock.now());
  }

  /** Revokes one row: its access token and its refresh token (admin API). */
  /** Every access and refresh token of a user, whatever the client (a password change). */
  revokeForUser(userId: number): Promise<number> {
    return this.tokens.revokeWhere('user_id', userId, this.clock.now());
  }

  async revokeById(id: number): Promise<boolean> {
    return (await this.tokens.revokeWhere('id', id, this.clock.now())) > 0;
  }

  findById(id: number): Promise<Token | null> {
    return this.tokens.findById(id);
  }

  list(filter: { clientId?: string; userId?: number }, limit: number, offset: number): Promise<[Token[], number]> {
    return this.tokens.list(filter, limit, offset);
  }
}
