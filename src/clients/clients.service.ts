import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, safeEqual, sha256 } from '../common/crypto';
import { Client, clientRules } from './client.entity';
import { ClientCache } from './client-cache';
import { ClientMetadata, ClientMetadataError, ClientMetadataInput, normalizeClientMetadata, selfRegistrationProblems } from './client-metadata';
import { ClientsRepository } from './clients.repository';
import { AuditService } from '../audit/audit.service';

/** A client and, only right after creation or rotation, its secret in the clear. */
export interface ClientWithSecret {
  client: Client;
  secret: string | null;
}

/** A public client (`none`) authenticates with no secret, so there is none to rotate. */
export class PublicClientHasNoSecretError extends Error {
  constructor() {
    super('a public client (token_endpoint_auth_method "none") has no secret to rotate');
  }
}

/**
 * A new client_id (192 bits, base64url) whose first character is a letter or digit, so that no
 * command line ever reads it as an option.
 */
export function newClientId(random: () => string = () => randomToken(24)): string {
  for (;;) {
    const id = random();
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly cache: ClientCache,
  ) {}

  /** Served from the client cache: every authenticated request asks for its client. */
  findByClientId(clientId: string): Promise<Client | null> {
    return this.cache.getOrLoad(clientId, () => this.clients.findByClientId(clientId));
  }

  /** Whether some client lets pages of this browser origin call the token endpoint (a CORS preflight). */
  async someClientAllowsOrigin(origin: string): Promise<boolean> {
    const candidates = await this.clients.findMentioningOrigin(origin);
    return candidates.some((client) => clientRules.corsOrigins(client).includes(origin));
  }

  list(filter: { userId?: number }, limit: number, offset: number): Promise<[Client[], number]> {
    return this.clients.list(filter, limit, offset);
  }

  /**
   * Validates the metadata (throws ClientMetadataError) and registers the client. A self-registered
   * client (dynamic registration, a metadata document) is held to the self-registration rules and
   * starts unvetted; a metadata document's client keeps its URL as `clientId`.
   */
  async create(input: ClientMetadataInput, ownerId: number | null = null, ip?: string | null, options: { selfRegistered?: boolean; clientId?: string } = {}): Promise<ClientWithSecret> {
    const selfRegistered = options.selfRegistered ?? false;
    const metadata = selfRegistered ? this.normalizeSelfRegistered(input) : normalizeClientMetadata(input, this.redirectPolicy());
    const secret = metadata.token_endpoint_auth_method === 'none' ? null : randomToken();
    const client = await this.clients.insert({
      clientId: options.clientId ?? newClientId(),
      clientSecretHash: secret ? sha256(secret) : null,
      clientIdIssuedAt: this.clock.now(),
      clientSecretExpiresAt: 0,
      metadata,
      userId: ownerId,
      // A client registered by a console user, or by itself, is not the operator's: unvetted until reviewed.
      vetted: ownerId === null && !selfRegistered,
    });
    this.audit.record({ type: selfRegistered ? 'client.registered' : 'client.created', clientId: client.clientId, userId: ownerId, ip });
    return { client, secret };
  }

  /**
   * RFC 7592 §2.2: the metadata is replaced as a whole (fields left out return to their defaults)
   * and checked as on registration; the secret stays unless the client turns public or confidential.
   */
  async replace(clientId: string, input: ClientMetadataInput, ip?: string | null, selfRegistered = false): Promise<ClientWithSecret | null> {
    const client = await this.clients.findByClientId(clientId);
    if (!client) return null;
    const metadata = selfRegistered ? this.normalizeSelfRegistered(input) : normalizeClientMetadata(input, this.redirectPolicy());
    return this.store(client, metadata, ip, Object.keys(input));
  }

  /** The self-registration rules and the common ones, every bad field named at once (throws ClientMetadataError). */
  normalizeSelfRegistered(input: ClientMetadataInput): ClientMetadata {
    const policy = { scopes: this.config.registration.scopes };
    // RFC 7591 §2: with no scope asked for, the server picks: every scope self-registered clients may hold.
    const withScope = { ...input, scope: input.scope ?? policy.scopes.join(' ') };
    const problems = selfRegistrationProblems(withScope, policy);
    try {
      const metadata = normalizeClientMetadata(withScope, this.redirectPolicy());
      if (Object.keys(problems).length) throw new ClientMetadataError(problems);
      return metadata;
    } catch (err) {
      if (err instanceof ClientMetadataError) throw new ClientMetadataError({ ...err.fields, ...problems });
      throw err;
    }
  }

  /**
   * Replaces the given metadata fields (the rest stay) and re-validates the whole. Turning a public
   * client confidential issues a secret (returned once); the reverse drops it.
   */
  async update(clientId: string, changes: ClientMetadataInput, ip?: string | null): Promise<ClientWithSecret | null> {
    const client = await this.clients.findByClientId(clientId);
    if (!client) return null;
    const merged: ClientMetadataInput = { ...client.metadata, ...changes };
    // Derived defaults must be re-derived when only one side of the pair changes.
    if (changes.grant_types && !changes.response_types) delete merged.response_types;
    if (changes.response_types && !changes.grant_types) delete merged.grant_types;
    const metadata = normalizeClientMetadata(merged, this.redirectPolicy());
    return this.store(client, metadata, ip, Object.keys(changes));
  }

  private async store(client: Client, metadata: ClientMetadata, ip: string | null | undefined, fields: string[]): Promise<ClientWithSecret> {
    const clientId = client.clientId;
    let secret: string | null = null;
    let clientSecretHash = client.clientSecretHash;
    if (metadata.token_endpoint_auth_method === 'none') clientSecretHash = null;
    else if (!clientSecretHash) {
      secret = randomToken();
      clientSecretHash = sha256(secret);
    }
    await this.clients.update(clientId, { metadata, clientSecretHash });
    await this.cache.changed(clientId);
    this.audit.record({ type: 'client.changed', clientId, ip, detail: { fields: fields.sort().join(' ') } });
    return { client: { ...client, metadata, clientSecretHash }, secret };
  }

  /**
   * A new secret; the old one stops working at once. Null for an unknown client; a public client
   * throws PublicClientHasNoSecretError.
   */
  async rotateSecret(clientId: string, ip?: string | null): Promise<ClientWithSecret | null> {
    const client = await this.clients.findByClientId(clientId);
    if (!client) return null;
    if (clientRules.isPublic(client)) throw new PublicClientHasNoSecretError();
    const secret = randomToken();
    await this.clients.update(clientId, { clientSecretHash: sha256(secret), clientSecretExpiresAt: 0 });
    await this.cache.changed(clientId);
    this.audit.record({ type: 'client.secret_rotated', clientId, ip });
    return { client: { ...client, clientSecretHash: sha256(secret) }, secret };
  }

  /**
   * The operator has reviewed the client (a console user's): from now on its malformed requests are
   * redirected to it and its consent page carries no warning, as for the operator's own clients.
   */
  async vet(clientId: string, ip?: string | null): Promise<Client | null> {
    const client = await this.clients.findByClientId(clientId);
    if (!client) return null;
    if (!client.vetted) {
      await this.clients.update(clientId, { vetted: true });
      await this.cache.changed(clientId);
      this.audit.record({ type: 'client.vetted', clientId, ip });
    }
    return { ...client, vetted: true };
  }

  async delete(clientId: string, ip?: string | null): Promise<boolean> {
    const deleted = await this.clients.delete(clientId);
    if (deleted) {
      await this.cache.changed(clientId);
      this.audit.record({ type: 'client.deleted', clientId, ip });
    }
    return deleted;
  }

  /** A deleted user's clients went with it (ON DELETE CASCADE): none of them may be served from the cache. */
  ownerDeleted(): Promise<void> {
    return this.cache.changedAll();
  }

  /**
   * RFC 6749 §2.3.1: the confidential client with this id and secret, or null. The secret is
   * compared as SHA-256 digests in constant time; an expired secret (RFC 7591 §3.2.1) fails.
   */
  async authenticate(clientId: string, secret: string): Promise<Client | null> {
    const client = await this.findByClientId(clientId);
    const presented = sha256(secret);
    if (!client || !client.clientSecretHash) {
      safeEqual(presented, presented); // same work either way
      return null;
    }
    if (!safeEqual(presented, client.clientSecretHash)) return null;
    if (client.clientSecretExpiresAt !== 0 && client.clientSecretExpiresAt <= this.clock.now()) return null;
    return client;
  }

  private redirectPolicy() {
    return { allowLoopbackHttp: this.config.allowLoopbackHttpRedirects };
  }
}
