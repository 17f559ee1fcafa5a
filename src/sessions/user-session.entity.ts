import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `user_session`: one sign-in. The cookie's id is stored only as its SHA-256 digest. */
@Entity('user_session')
@Index('IDX_user_session_user', ['userId'])
export class UserSession {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'id_hash', type: 'varchar', length: 64, unique: true })
  idHash: string;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  /** When the user entered their password (OIDC auth_time). */
  @Column({ name: 'auth_time', type: 'bigint' })
  authTime: number;

  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;

  @Column({ name: 'ended_at', type: 'bigint', nullable: true })
  endedAt: number | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent: string | null;
}
