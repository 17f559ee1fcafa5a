import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type ClientMetadata, originsOf } from './client-metadata';

/** Table `oauth2_client`: a registered client (RFC 6749 §2, RFC 7591 metadata). */
@Entity('oauth2_client')
export class Client {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'client_id', type: 'varchar', length: 64, unique: true })
  clientId: string;

  /** SHA-256 hex of the secret; null for public clients (`none`). */
  @Column({ name: 'client_secret_hash', type: 'varchar', length: 64, nullable: true })
  clientSecretHash: string | null;

  @Column({ name: 'client_id_issued_at', type: 'bigint' })
  clientIdIssuedAt: number;

  /** RFC 7591 §3.2.1: 0 means the secret does not expire. */
  @Column({ name: 'client_secret_expires_at', type: 'bigint', default: 0 })
  clientSecretExpiresAt: number;

  /** RFC 7591 metadata as JSON text (ClientsRepository reads and writes it). */
  @Column({ name: 'client_metadata', type: 'text' })
  metadata: ClientMetadata;

  /** Owner (a developer-console user); null for clients made by the operator. */
  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  /**
   * Whether the operator stands behind this client: true for clients made through the admin API or
   * the CLI, false for those that registered themselves (developer console, dynamic registration)
   * until the operator vets them.
   */
  @Column({ name: 'vetted', type: 'boolean', default: true })
  vetted: boolean;
}

/** Rules read off a client's metadata, kept beside the entity so every layer asks the same way. */
export const clientRules = {
  isPublic: (c: Client) => c.metadata.token_endpoint_auth_method === 'none',
  /**
   * Whether a user's earlier consent may stand for a new request: only for a confidential client
   * someone answers for — the operator, or the signed-in console user who registered it. A public
   * client's identity is not assured (RFC 8252 §8.6), and a self-registered one (dynamic
   * registration, a metadata document: no owner, not vetted) chose its own name: the user is asked
   * every time.
   */
  remembersConsent: (c: Client) => c.metadata.token_endpoint_auth_method !== 'none' && (c.vetted || c.userId !== null),
  allowsGrantType: (c: Client, grantType: string) => (c.metadata.grant_types as string[]).includes(grantType),
  allowsResponseType: (c: Client, responseType: string) => (c.metadata.response_types as string[]).includes(responseType),
  /** The browser origins that may call the token and revocation endpoints for this client. */
  corsOrigins: (c: Client): string[] => {
    const explicit = c.metadata.allowed_cors_origins ?? [];
    if (explicit.length > 0) return explicit;
    // A public client runs in the browser (or a native app): its redirect URIs' origins are its pages.
    return c.metadata.token_endpoint_auth_method === 'none' ? originsOf(c.metadata.redirect_uris) : [];
  },
};
