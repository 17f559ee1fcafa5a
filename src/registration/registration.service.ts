import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { JanitorService } from '../janitor/janitor.service';
import { MetricsService } from '../metrics/metrics.service';
import { ThrottleService } from '../throttle/throttle.service';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, safeEqual, sha256 } from '../common/crypto';
import { Db } from '../database/db';
import { AuditService } from '../audit/audit.service';
import { Client } from '../clients/client.entity';
import { ClientMetadataError, ClientMetadataInput } from '../clients/client-metadata';
import { ClientsService } from '../clients/clients.service';
import { ClientDto, CreateClientDto, REGISTRATION_FIELDS } from '../clients/dto/client.dto';
import { InvalidInputError, validateInput } from '../common/dto/validation';
import { OAuthError } from '../grants/oauth-error';
import { InitialAccessToken } from './initial-access-token.entity';
import { InitialAccessTokensRepository } from './initial-access-tokens.repository';
import { RegistrationsRepository } from './registrations.repository';

/** Fields of RFC 7591 §3.2.1 / RFC 7592 §3 that a client sends back but never sets (RFC 7592 §2.2: ignored). */
const SERVER_FIELDS = ['client_id', 'client_secret', 'registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

const UNNAMED = 'Unnamed application';

/** What one registration answers: the RFC 7591 §3.2.1 client information response. */
export type ClientInformation = Record<string, unknown>;

/** An initial access token in the clear: shown once, when the operator creates it. */
export interface IssuedInitialAccessToken {
  token: string;
  row: InitialAccessToken;
}

/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592). Registration
 * builds the client through ClientsService, so the rules of the admin API and the console apply
 * here too, plus the self-registration rules (code flow only, REGISTRATION_SCOPES, no operator
 * flags). Registration access tokens and initial access tokens are stored as SHA-256 digests.
 */
@Injectable()
export class RegistrationService implements OnModuleInit {
  constructor(
    private readonly clients: ClientsService,
    private readonly registrations: RegistrationsRepository,
    private readonly initialTokens: InitialAccessTokensRepository,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly throttle: ThrottleService,
    private readonly janitor: JanitorService,
    metrics: MetricsService,
  ) {
    const repository = this.registrations;
    new Gauge({
      name: 'gatehouse_self_registered_clients',
      help: 'Live clients that registered themselves (dynamic registration and metadata documents)',
      registers: [metrics.registry],
      async collect() {
        this.set(await repository.count());
      },
    });
  }

  onModuleInit(): void {
    this.janitor.addTask({ name: 'idle_self_registered_clients', run: (now) => this.removeIdle(now) });
  }

  /**
   * Deletes self-registered clients that have had no token issued for REGISTRATION_IDLE_DAYS (and
   * registered before that), with their codes, tokens and consents; each one as a deletion through
   * the client service, so every instance's client cache forgets it.
   */
  async removeIdle(now: number): Promise<number> {
    const before = now - this.config.registration.idleDays * 86_400;
    let removed = 0;
    for (;;) {
      const idle = await this.registrations.findIdle(before, 100);
      for (const clientId of idle) if (await this.clients.delete(clientId)) removed++;
      if (idle.length < 100) return removed;
    }
  }

  get enabled(): boolean {
    return this.config.registration.mode !== 'closed';
  }

  /** The registration_client_uri of a client (RFC 7592 §1). */
  clientUri(clientId: string): string {
    return `${this.config.issuer}/oauth/register/${encodeURIComponent(clientId)}`;
  }

  /** A new initial access token for REGISTRATION=token: `uses` registrations within `expiresIn` seconds. */
  async createInitialAccessToken(input: { description?: string | null; expiresIn?: number; uses?: number }): Promise<IssuedInitialAccessToken> {
    const token = randomToken();
    const now = this.clock.now();
    const row = await this.initialTokens.insert({
      tokenHash: sha256(token),
      description: input.description ?? null,
      createdAt: now,
      expiresAt: now + (input.expiresIn ?? 86_400),
      usesLeft: input.uses ?? 1,
    });
    return { token, row };
  }

  listInitialAccessTokens(limit: number, offset: number): Promise<[InitialAccessToken[], number]> {
    return this.initialTokens.list(limit, offset);
  }

  deleteInitialAccessToken(id: number): Promise<boolean> {
    return this.initialTokens.delete(id);
  }

  /**
   * RFC 7591 §3.1: registers a client from `body` (parsed JSON). `initialAccessToken` is the bearer
   * token the request carried, if any. Throws OAuthError for every refusal (and records it).
   */
  async register(body: unknown, initialAccessToken: string | null, ip: string): Promise<ClientInformation> {
    const refuse = (error: OAuthError, reason: string) => {
      this.audit.record({ type: 'client.registration_refused', ip, detail: { reason, error: error.code } });
      return error;
    };
    // Every attempt counts, refused ones too: each costs an audit row at least.
    const { ratePerIp, rateWindow } = this.config.registration;
    const retryAfter = await this.throttle.rateLimit('registration', ip, ratePerIp, rateWindow);
    if (retryAfter > 0) {
      const error = new OAuthError('temporarily_unavailable', `too many registrations from this address; retry after ${retryAfter} seconds`, 429);
      error.retryAfter = retryAfter;
      throw refuse(error, 'rate_limited');
    }
    if (this.config.registration.mode === 'token' && !initialAccessToken) {
      throw refuse(OAuthError.invalidToken('an initial access token is required to register'), 'no_initial_access_token');
    }
    const input = await registrationMetadataInput(body).catch((err: unknown) => {
      throw err instanceof OAuthError ? refuse(err, 'invalid_metadata') : err;
    });
    if ((await this.registrations.count()) >= this.config.registration.maxClients) {
      throw refuse(new OAuthError('temporarily_unavailable', 'this server takes no more registrations right now', 503), 'too_many_clients');
    }
    const registrationToken = randomToken();
    const { client, secret } = await this.db
      .transaction(async () => {
        // The use is taken in the transaction: a registration refused below gives it back.
        if (this.config.registration.mode === 'token' && !(await this.initialTokens.use(sha256(initialAccessToken!), this.clock.now()))) {
          throw refuse(OAuthError.invalidToken('the initial access token is invalid, expired or used up'), 'bad_initial_access_token');
        }
        const created = await this.clients.create(input, null, ip, { selfRegistered: true });
        await this.registrations.insert({ clientId: created.client.clientId, accessTokenHash: sha256(registrationToken), createdAt: this.clock.now(), ip });
        return created;
      })
      .catch((err: unknown) => {
        throw err instanceof ClientMetadataError ? refuse(metadataError(err), 'invalid_metadata') : err;
      });
    return this.information(client, secret, registrationToken);
  }

  /** RFC 7592 §2.1: the client's current metadata. */
  async read(clientId: string, registrationToken: string | null): Promise<ClientInformation> {
    const client = await this.authorize(clientId, registrationToken);
    return this.information(client, null, registrationToken!);
  }

  /** RFC 7592 §2.2: replaces the client's metadata with `body`, checked as on registration. */
  async replace(clientId: string, registrationToken: string | null, body: unknown, ip: string): Promise<ClientInformation> {
    const client = await this.authorize(clientId, registrationToken);
    const raw = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    // §2.2: the request carries the client_id, and a client_secret only if it is the current one.
    if (raw.client_id !== clientId) throw OAuthError.invalidRequest('the body must carry this client\'s client_id');
    if (raw.client_secret !== undefined && (typeof raw.client_secret !== 'string' || !client.clientSecretHash || !safeEqual(sha256(raw.client_secret), client.clientSecretHash))) {
      throw OAuthError.invalidRequest('client_secret does not match');
    }
    const input = await registrationMetadataInput(body);
    try {
      const replaced = await this.clients.replace(clientId, input, ip, true);
      if (!replaced) throw OAuthError.invalidToken();
      return this.information(replaced.client, replaced.secret, registrationToken!);
    } catch (err) {
      throw err instanceof ClientMetadataError ? metadataError(err) : err;
    }
  }

  /** RFC 7592 §2.3: deletes the client, its registration and its tokens (they go with it). */
  async delete(clientId: string, registrationToken: string | null, ip: string): Promise<void> {
    await this.authorize(clientId, registrationToken);
    await this.clients.delete(clientId, ip);
  }

  /**
   * RFC 7592 §2: the registration access token must be this client's. Anything else — no token,
   * another client's, an unknown client — is the same 401 invalid_token (§2.1: an unknown client
   * is 401, so ids cannot be probed).
   */
  private async authorize(clientId: string, registrationToken: string | null): Promise<Client> {
    const registration = await this.registrations.findByClientId(clientId);
    const presented = sha256(registrationToken ?? '');
    const expected = registration?.accessTokenHash ?? presented;
    if (!registrationToken || !safeEqual(presented, expected) || !registration) throw OAuthError.invalidToken('the registration access token is invalid');
    const client = await this.clients.findByClientId(clientId);
    if (!client) throw OAuthError.invalidToken('the registration access token is invalid');
    return client;
  }

  /** RFC 7591 §3.2.1: the client information response (the operator-only flags are not the client's business). */
  private information(client: Client, secret: string | null, registrationToken: string): ClientInformation {
    const { client_id, client_id_issued_at, client_secret_expires_at, user_id: _owner, skip_consent: _skip, introspection: _introspection, vetted: _vetted, ...metadata } = ClientDto.from(client);
    return {
      client_id,
      ...(secret ? { client_secret: secret } : {}),
      client_id_issued_at,
      // §3.2.1: REQUIRED when a secret was issued.
      ...(client.clientSecretHash ? { client_secret_expires_at } : {}),
      registration_access_token: registrationToken,
      registration_client_uri: this.clientUri(client_id),
      ...metadata,
    };
  }
}

/**
 * A registration body (or a metadata document) as client metadata: the fields RFC 7591 §2 and
 * OpenID Connect Registration define, checked for shape by the admin API's DTO; unknown fields are
 * ignored (§2) and so are nulls. Throws OAuthError invalid_client_metadata / invalid_redirect_uri.
 */
export async function registrationMetadataInput(body: unknown): Promise<ClientMetadataInput> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw OAuthError.invalidClientMetadata('the body must be a JSON object of client metadata');
  const known: Record<string, unknown> = {};
  for (const field of REGISTRATION_FIELDS) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) known[field] = value;
  }
  // RFC 7591 §2: client_name is optional; the consent page still needs something to call it.
  known.client_name ??= UNNAMED;
  try {
    return { ...(await validateInput(CreateClientDto, known)) };
  } catch (err) {
    if (err instanceof InvalidInputError) throw metadataError(new ClientMetadataError(err.fields));
    throw err;
  }
}

/** RFC 7591 §3.2.2: a bad redirect URI is invalid_redirect_uri, any other bad field invalid_client_metadata. */
function metadataError(err: ClientMetadataError): OAuthError {
  const description = Object.entries(err.fields).map(([field, reason]) => `${field}: ${reason}`).join('; ').replace(/[^\x20-\x7e]/g, '?');
  const onlyRedirects = Object.keys(err.fields).every((f) => f === 'redirect_uris');
  return onlyRedirects ? OAuthError.invalidRedirectUri(description) : OAuthError.invalidClientMetadata(description);
}
