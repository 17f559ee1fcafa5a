import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Table `oauth2_code`: an authorization code (RFC 6749 §4.1.2), stored as its SHA-256 digest. */
@Entity('oauth2_code')
export class AuthorizationCode {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'code_hash', type: 'varchar', length: 64, unique: true })
  codeHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri: string;

  /** True when the authorization request carried redirect_uri (RFC 6749 §4.1.3 then requires it again). */
  @Column({ name: 'redirect_uri_sent', type: 'boolean', default: true })
  redirectUriSent: boolean;

  @Column({ type: 'text' })
  scope: string;

  /** Kept for OpenID Connect (the ID Token echoes it), as is auth_time. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  nonce: string | null;

  @Column({ name: 'auth_time', type: 'bigint' })
  authTime: number;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge: string | null;

  @Column({ name: 'code_challenge_method', type: 'varchar', length: 10, nullable: true })
  codeChallengeMethod: string | null;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;

  @Column({ name: 'used_at', type: 'bigint', nullable: true })
  usedAt: number | null;

  /** RFC 8707: the resources the authorization request named (space-separated in the column); null: not restricted. */
  @Column({ type: 'text', nullable: true })
  resources: string[] | null;

  /** RFC 9449 §10: the JWK SHA-256 thumbprint of the DPoP key that must redeem the code; null: any (or none). */
  @Column({ name: 'dpop_jkt', type: 'varchar', length: 64, nullable: true })
  dpopJkt: string | null;
}
