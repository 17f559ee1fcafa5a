import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** pending → approved | denied (the user at the /device page) → used (the one token response). */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'used';

/** Table `oauth2_device_code`: one device authorization request (RFC 8628 §3.1, §3.2). */
@Entity('oauth2_device_code')
@Index('IDX_oauth2_device_code_expires', ['expiresAt'])
export class DeviceCode {
  @PrimaryGeneratedColumn()
  id: number;

  /** SHA-256 of the device code the client polls with. */
  @Column({ name: 'device_code_hash', type: 'varchar', length: 64, unique: true })
  deviceCodeHash: string;

  /** SHA-256 of the user code in its canonical form (8 letters, no dash). */
  @Column({ name: 'user_code_hash', type: 'varchar', length: 64, unique: true })
  userCodeHash: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'text' })
  scope: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeviceCodeStatus;

  /** The user who approved or denied it. */
  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @Column({ name: 'auth_time', type: 'bigint', nullable: true })
  authTime: number | null;

  /** Seconds the client must wait between polls; grows by 5 with each slow_down (§3.5). */
  @Column({ name: 'poll_interval', type: 'int' })
  pollInterval: number;

  @Column({ name: 'last_polled_at', type: 'bigint', nullable: true })
  lastPolledAt: number | null;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;
}
