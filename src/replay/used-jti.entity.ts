import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `oauth2_used_jti`: a JWT id already used (client assertions, DPoP proofs). */
@Entity('oauth2_used_jti')
@Index('IDX_oauth2_used_jti_expires', ['expiresAt'])
export class UsedJti {
  @PrimaryGeneratedColumn()
  id: number;

  /** SHA-256 of `<kind>:<issuer>:<jti>`. */
  @Column({ name: 'jti_hash', type: 'varchar', length: 64, unique: true })
  jtiHash: string;

  /** After this the JWT is refused anyway, so the row may go. */
  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;
}
