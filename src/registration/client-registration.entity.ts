import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Table `oauth2_registration`: a client that registered itself (RFC 7591), with the digest of its
 * registration access token (RFC 7592 §1). It goes with its client (ON DELETE CASCADE); a client
 * with a row here is a self-registered one.
 */
@Entity('oauth2_registration')
export class ClientRegistration {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'client_id', type: 'varchar', length: 64, unique: true })
  clientId: string;

  /** SHA-256 hex of the registration access token. */
  @Column({ name: 'access_token_hash', type: 'varchar', length: 64, unique: true })
  accessTokenHash: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;

  /** The address it registered from (audit and abuse reports). */
  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;
}
