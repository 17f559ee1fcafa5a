import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `oauth2_pending_request`: an authorization request waiting for the user's decision. */
@Entity('oauth2_pending_request')
@Index('IDX_oauth2_pending_request_expires', ['expiresAt'])
export class PendingRequestRow {
  @PrimaryGeneratedColumn()
  id: number;

  /** SHA-256 of the random key in the browser's cookie. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true })
  keyHash: string;

  /** The id the consent form posts back. */
  @Column({ name: 'request_id', type: 'varchar', length: 64 })
  requestId: string;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @Column({ name: 'auth_time', type: 'bigint' })
  authTime: number;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;

  /** The verified AuthorizationRequest as JSON. */
  @Column({ type: 'text' })
  request: string;
}
