import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** The JWS algorithms the server signs with: RS256 (OpenID Connect's MUST) and ES256. */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/**
 * Table `signing_key`: one signing key pair. Published (in the JWKS) from `created_at` until
 * `expires_at`; signs from `activates_at` until `retired_at`. The private key is AES-256-GCM
 * ciphertext (key-encryption.ts), never stored in the clear.
 */
@Entity('signing_key')
@Unique('UQ_signing_key_alg_generation', ['alg', 'generation'])
export class SigningKey {
  @PrimaryGeneratedColumn()
  id: number;

  /** RFC 7638 thumbprint of the public key. */
  @Column({ type: 'varchar', length: 64, unique: true })
  kid: string;

  @Column({ type: 'varchar', length: 10 })
  alg: SigningAlg;

  /** 1 for an algorithm's first key, +1 per rotation: the unique pair makes creation race-safe. */
  @Column({ type: 'int' })
  generation: number;

  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk: string;

  @Column({ name: 'private_key', type: 'text' })
  privateKey: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;

  @Column({ name: 'activates_at', type: 'bigint' })
  activatesAt: number;

  @Column({ name: 'retired_at', type: 'bigint', nullable: true })
  retiredAt: number | null;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true })
  expiresAt: number | null;
}
