import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** Table `oauth2_consent`: the scopes one user approved for one client (remembered consent). */
@Entity('oauth2_consent')
@Unique('UQ_oauth2_consent_user_client', ['userId', 'clientId'])
export class ConsentGrant {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'user_id', type: 'int' })
  userId: number;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  /** Space-separated, the union of every approval so far. */
  @Column({ type: 'text' })
  scope: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint' })
  updatedAt: number;
}
