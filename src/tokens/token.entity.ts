import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Table `oauth2_token`: one access token and, optionally, its refresh token (as Authlib's
 * TokenMixin). Both are stored as SHA-256 digests. A refresh token is active until
 * issued_at + REFRESH_TOKEN_TTL_FACTOR × expires_in unless revoked.
 */
@Entity('oauth2_token')
export class Token {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @Column({ name: 'token_type', type: 'varchar', length: 40 })
  tokenType: string;

  @Column({ name: 'access_token_hash', type: 'varchar', length: 64, unique: true })
  accessTokenHash: string;

  @Column({ name: 'refresh_token_hash', type: 'varchar', length: 64, unique: true, nullable: true })
  refreshTokenHash: string | null;

  @Column({ type: 'text' })
  scope: string;

  @Column({ name: 'issued_at', type: 'bigint' })
  issuedAt: number;

  @Column({ name: 'expires_in', type: 'int' })
  expiresIn: number;

  @Column({ name: 'access_token_revoked_at', type: 'bigint', nullable: true })
  accessTokenRevokedAt: number | null;

  @Column({ name: 'refresh_token_revoked_at', type: 'bigint', nullable: true })
  refreshTokenRevokedAt: number | null;

  /** The authorization code this token descends from (RFC 6749 §4.1.2: revoked on code reuse). */
  @Column({ name: 'code_id', type: 'int', nullable: true })
  codeId: number | null;

  /**
   * Shared by every token of one refresh-rotation chain (RFC 9700 §4.14.2: revoked together), a
   * UUIDv7; null for a token issued without a refresh token, which has no chain.
   */
  @Column({ name: 'family_id', type: 'varchar', length: 64, nullable: true })
  familyId: string | null;

  /** The token whose refresh token was rotated into this one. */
  @Column({ name: 'parent_id', type: 'int', nullable: true })
  parentId: number | null;

  /** RFC 8707: the resources this token's grant covers, kept through refresh; null: not restricted. */
  @Column({ type: 'text', nullable: true })
  resources: string[] | null;

  /** RFC 8707: the access token's audience, the resource(s) it may be used at; null: the default audience. */
  @Column({ type: 'text', nullable: true })
  audience: string[] | null;

  /** RFC 9449: thumbprint of the DPoP key this token is bound to; null for a bearer token. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  jkt: string | null;

  /** Not a column: the resource owner, joined in when a token is looked up by its value (null: no user). */
  owner?: TokenOwner | null;
}

export interface TokenOwner {
  id: number;
  username: string;
  email: string | null;
}
