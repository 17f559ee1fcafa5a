import { Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, sha256 } from '../common/crypto';
import { OutboundFetchError, outboundFetch } from '../common/outbound-fetch';
import { Db } from '../database/db';
import { AuditService } from '../audit/audit.service';
import { Client } from '../clients/client.entity';
import { ClientMetadataError } from '../clients/client-metadata';
import { ClientsService } from '../clients/clients.service';
import { OAuthError } from '../grants/oauth-error';
import { RegistrationsRepository } from './registrations.repository';
import { registrationMetadataInput } from './registration.service';
import { ThrottleService } from '../throttle/throttle.service';

/** Limits of a fetch: the document is small JSON, and a slow server must not hold a sign-in up. */
const MAX_BYTES = 5 * 1024;
const TIMEOUT_MS = 5000;
/** A document is kept at most this long, whatever its headers say. */
const MAX_CACHE_SECONDS = 86_400;
/** client_id columns are 64 characters: a longer URL cannot be stored as one. */
const MAX_URL_LENGTH = 64;
const MAX_FRESH_ENTRIES = 10_000;

/** A metadata document that cannot be used; the message is safe to show on the error page. */
export class ClientMetadataDocumentError extends Error {}

/**
 * Client ID Metadata Documents (IETF draft-ietf-oauth-client-id-metadata-document): a client_id that
 * is an https URL names a JSON document of the client's metadata, served by the client itself. It
 * is fetched under the outbound rules (no private or loopback addresses, no redirects, 5 KB, 5 s),
 * must name itself in `client_id`, and makes a public client (`none`) held to the self-registration
 * rules. The client is stored like a registered one (so codes, tokens and consent refer to it, and
 * the janitor removes it when unused); the document is fetched again once its HTTP caching headers
 * say it is stale (at most a day).
 */
@Injectable()
export class ClientMetadataDocuments {
  /** client_id URL → when its stored copy goes stale (seconds since the epoch), per instance. */
  private readonly freshUntil = new Map<string, number>();

  constructor(
    private readonly clients: ClientsService,
    private readonly registrations: RegistrationsRepository,
    private readonly db: Db,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly throttle: ThrottleService,
  ) {}

  get enabled(): boolean {
    return this.config.registration.metadataDocuments;
  }

  /** Whether `clientId` names a metadata document (and is not a registered client's id). */
  names(clientId: string): boolean {
    return this.enabled && (clientId.startsWith('https://') || (this.config.registration.metadataAllowLoopback && clientId.startsWith('http://')));
  }

  /** The client the document at `url` describes, fetched when the stored copy is stale. Throws ClientMetadataDocumentError. */
  async resolve(url: string, ip: string | null = null): Promise<Client> {
    try {
      const stored = await this.clients.findByClientId(url);
      if (stored && (this.freshUntil.get(url) ?? 0) > this.clock.now()) return stored;
      return await this.refresh(url, stored, ip);
    } catch (err) {
      if (err instanceof ClientMetadataDocumentError) {
        this.audit.record({ type: 'client.registration_refused', ip, detail: { reason: 'metadata_document', url: url.slice(0, 200), problem: err.message.slice(0, 200) } });
      }
      throw err;
    }
  }

  private async refresh(url: string, stored: Client | null, ip: string | null): Promise<Client> {
    const problem = urlProblem(url);
    if (problem) throw new ClientMetadataDocumentError(`the client_id URL ${problem}`);
    if (!stored) {
      // A new document is a registration: the same per-IP limit and cap hold it, before anything is fetched.
      const { ratePerIp, rateWindow, maxClients } = this.config.registration;
      const retryAfter = ip ? await this.throttle.rateLimit('registration', ip, ratePerIp, rateWindow) : 0;
      if (retryAfter > 0) {
        // A page, never a redirect (the document is not verified), with the status and wait of any throttle.
        const error = new OAuthError('temporarily_unavailable', `too many new clients from this address; retry after ${retryAfter} seconds`, 429);
        error.retryAfter = retryAfter;
        this.audit.record({ type: 'client.registration_refused', ip, detail: { reason: 'rate_limited', url: url.slice(0, 200) } });
        throw error;
      }
      if ((await this.registrations.count()) >= maxClients) throw new ClientMetadataDocumentError('this server takes no more new clients right now');
    }
    let response;
    try {
      response = await outboundFetch(url, { allowLoopback: this.config.registration.metadataAllowLoopback, maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS });
    } catch (err) {
      if (err instanceof OutboundFetchError) throw new ClientMetadataDocumentError(`the client metadata document ${err.message}`);
      throw err;
    }
    if (response.status !== 200) throw new ClientMetadataDocumentError(`fetching the client metadata document answered ${response.status}`);
    let document: unknown;
    try {
      document = JSON.parse(response.body);
    } catch {
      throw new ClientMetadataDocumentError('the client metadata document is not JSON');
    }
    const fields = document && typeof document === 'object' && !Array.isArray(document) ? (document as Record<string, unknown>) : null;
    if (!fields) throw new ClientMetadataDocumentError('the client metadata document is not a JSON object');
    // The document names itself: a copy served elsewhere cannot speak for this client_id.
    if (fields.client_id !== url) throw new ClientMetadataDocumentError('the client metadata document has a client_id other than its URL');
    const method = fields.token_endpoint_auth_method;
    if (method !== undefined && method !== 'none') throw new ClientMetadataDocumentError('a client named by a metadata document is a public client (token_endpoint_auth_method "none")');
    if ('client_secret' in fields) throw new ClientMetadataDocumentError('a client metadata document must not carry a client_secret');

    let metadata;
    try {
      const input = await registrationMetadataInput({ ...fields, token_endpoint_auth_method: 'none' });
      metadata = this.clients.normalizeSelfRegistered(input);
    } catch (err) {
      if (err instanceof OAuthError) throw new ClientMetadataDocumentError(`the client metadata document is invalid: ${err.description ?? err.code}`);
      if (err instanceof ClientMetadataError) throw new ClientMetadataDocumentError(`the client metadata document is invalid: ${err.message}`);
      throw err;
    }

    let client: Client;
    if (!stored) {
      client = await this.create(url, metadata, ip);
    } else if (JSON.stringify(stored.metadata) !== JSON.stringify(metadata)) {
      client = (await this.clients.replace(url, metadata, ip, true))?.client ?? (await this.create(url, metadata, ip));
    } else {
      client = stored;
    }
    this.remember(url, cacheSeconds(response.headers));
    return client;
  }

  /** Stores the client with a registration row (so it counts and idles out like one) whose token nobody knows. */
  private async create(url: string, metadata: Client['metadata'], ip: string | null): Promise<Client> {
    try {
      return await this.db.transaction(async () => {
        const { client } = await this.clients.create(metadata, null, ip, { selfRegistered: true, clientId: url });
        await this.registrations.insert({ clientId: url, accessTokenHash: sha256(randomToken()), createdAt: this.clock.now(), ip });
        return client;
      });
    } catch (err) {
      // Another instance stored it at the same moment: use theirs.
      const theirs = await this.clients.findByClientId(url);
      if (theirs) return theirs;
      throw err;
    }
  }

  private remember(url: string, seconds: number): void {
    if (this.freshUntil.size >= MAX_FRESH_ENTRIES) this.freshUntil.delete(this.freshUntil.keys().next().value!);
    this.freshUntil.delete(url);
    if (seconds > 0) this.freshUntil.set(url, this.clock.now() + seconds);
  }
}

/** Why `url` cannot be a client_id URL (draft §3: https, a path, no fragment, no dot segments), or null. */
function urlProblem(url: string): string | null {
  if (url.length > MAX_URL_LENGTH) return `is longer than ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.includes('#')) return 'must not contain a fragment';
  if (parsed.pathname === '/' || parsed.pathname === '') return 'must have a path';
  if (/\/\.\.?(\/|$)/.test(url.replace(/^[a-z]+:\/\/[^/]*/i, ''))) return 'must not contain . or .. path segments';
  if (parsed.username || parsed.password) return 'must not contain user information';
  return null;
}

/** Seconds the response may be reused (RFC 9111 §4.2.1: max-age, else Expires), at most a day; 0 for no-store/no-cache. */
function cacheSeconds(headers: IncomingHttpHeaders): number {
  const control = String(headers['cache-control'] ?? '').toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(control)) return 0;
  const maxAge = /\bmax-age=(\d+)/.exec(control);
  if (maxAge) return Math.min(Number(maxAge[1]), MAX_CACHE_SECONDS);
  const expires = headers.expires ? Date.parse(String(headers.expires)) : NaN;
  const date = headers.date ? Date.parse(String(headers.date)) : Date.now();
  if (!Number.isNaN(expires)) return Math.max(0, Math.min(Math.floor((expires - date) / 1000), MAX_CACHE_SECONDS));
  return 0;
}
