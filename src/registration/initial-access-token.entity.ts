import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Table `oauth2_initial_access_token`: a token the operator hands out so that one party may
 * register clients when REGISTRATION=token (RFC 7591 §3). Stored as its SHA-256 digest.
 */
@Entity('oauth2_initial_access_token')
export class InitialAccessToken {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  /** What the operator noted it is for. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;

  /** Registrations it still allows; each registration takes one in a conditional UPDATE. */
  @Column({ name: 'uses_left', type: 'int' })
  usesLeft: number;
}
