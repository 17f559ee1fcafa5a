import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `oauth2_pushed_request`: an authorization request pushed by its client (RFC 9126 §2). */
@Entity('oauth2_pushed_request')
@Index('IDX_oauth2_pushed_request_expires', ['expiresAt'])
export class PushedRequestRow {
  @PrimaryGeneratedColumn()
  id: number;

  /** SHA-256 of the request_uri handed to the client. */
  @Column({ name: 'request_uri_hash', type: 'varchar', length: 64, unique: true })
  requestUriHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** The authorization request's parameters as JSON (client credentials never among them). */
  @Column({ type: 'text' })
  params: string;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;

  /** Set by the one authorization request that used it (RFC 9126 §4: one-time use). */
  @Column({ name: 'used_at', type: 'bigint', nullable: true })
  usedAt: number | null;
}
