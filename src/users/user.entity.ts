import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Table `user`: a resource owner who signs in. */
@Entity('user')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64, unique: true })
  username: string;

  /**
   * The username's RFC 8265 canonical form (src/users/username.ts): what every lookup compares,
   * in binary (utf8mb4_bin on MySQL, BINARY on SQLite), so no collation folds two names into one.
   */
  @Column({ name: 'username_canonical', type: 'varchar', length: 64, unique: true })
  usernameCanonical: string;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  /** argon2id PHC string. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;
}
