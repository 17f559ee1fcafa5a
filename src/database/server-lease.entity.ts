import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Table `server_lease`: a job one instance at a time may run (see LeasesRepository), or the write probe. */
@Entity('server_lease')
export class ServerLeaseRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  /** The instance holding it (hostname and pid), or null. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  holder: string | null;

  /** Epoch milliseconds; the lease is free from then on. */
  @Column({ name: 'expires_at', type: 'bigint' })
  expiresAt: number;
}
