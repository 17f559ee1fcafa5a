import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `auth_throttle`: one brute-force counter (see ThrottleService). */
@Entity('auth_throttle')
@Index('IDX_auth_throttle_expires', ['expiresAt'])
export class ThrottleCounterRow {
  /** SHA-256 of the counter's name, e.g. of `password:account-ip:alice|203.0.113.7`. */
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true })
  keyHash: string;

  @Column({ type: 'int' })
  failures: number;

  @Column({ name: 'window_start', type: 'bigint' })
  windowStart: number;

  @Column({ name: 'locked_until', type: 'bigint' })
  lockedUntil: number;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;
}
