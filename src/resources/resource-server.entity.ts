import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Table `oauth2_resource`: a resource server the operator registered (RFC 8707): the URI clients
 * name in `resource`, which becomes the `aud` of the tokens issued for it, and the scopes it takes.
 */
@Entity('oauth2_resource')
export class ResourceServer {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 500, unique: true })
  identifier: string;

  /** Space-separated scopes the resource server accepts (its RFC 9728 scopes_supported). */
  @Column({ type: 'text' })
  scopes: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: number;
}
