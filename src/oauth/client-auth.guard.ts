import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Client, clientRules } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { formParams } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { AuditService } from '../audit/audit.service';
import { ThrottleService } from '../throttle/throttle.service';
import type { Params } from '../web/form-params';
import { AppConfig } from '../config/app-config';
import { ClientAssertionVerifier, hasClientAssertion } from './client-assertion';

const CONFIDENTIAL_ONLY = 'gatehouse:confidential-only';
/** The endpoint serves only clients that authenticate with a secret (e.g. introspection). */
export const ConfidentialClientsOnly = () => SetMetadata(CONFIDENTIAL_ONLY, true);

type AuthenticatedRequest = FastifyRequest & { oauthClient?: Client };

/** The client ClientAuthGuard authenticated. */
export const CurrentClient = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().oauthClient;
});

/** RFC 6749 §2.3.1: client_id and secret are form-encoded before Base64 in the Basic header. */
function parseBasic(header: string): { clientId: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const formDecode = (s: string) => (/[%+]/.test(s) ? decodeURIComponent(s.replace(/\+/g, ' ')) : s);
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/**
 * The client a token/revocation request names (the Basic user, else the body's client_id), before
 * any authentication: ClientAuthGuard then authenticates exactly this client or refuses.
 */
export function namedClientId(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) return parseBasic(authorization)?.clientId;
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?.client_id === 'string' ? body.client_id : undefined;
}

/**
 * Client authentication (RFC 6749 §2.3, §3.2.1): exactly one method per request — the secret in
 * the Basic header or in the body, `private_key_jwt` (RFC 7523, client-assertion.ts), or `none`
 * (client_id alone, public clients). A client with a secret may use either place whatever it
 * registered (§2.3.1); a key-based client only its assertion; a public client only `none`. Any failure is invalid_client (401). Failures are
 * counted per client_id, per (client_id, IP) and per IP; past the limits a failure is answered
 * 429 temporarily_unavailable with Retry-After instead of 401.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(
    private readonly clients: ClientsService,
    private readonly reflector: Reflector,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly assertions: ClientAssertionVerifier,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const params = formParams(request);
    const confidentialOnly = this.reflector.get<boolean>(CONFIDENTIAL_ONLY, context.getHandler()) ?? false;
    try {
      request.oauthClient = await this.authenticate(request, params, confidentialOnly);
      return true;
    } catch (err) {
      if (!(err instanceof OAuthError) || err.code !== 'invalid_client') throw err;
      // Only failures need the name the request gave (counters and audit); successes never parse it twice.
      const claimed = (request.headers.authorization !== undefined ? parseBasic(request.headers.authorization)?.clientId : params.client_id) ?? null;
      const endpoint = request.url.split('?')[0];
      const lockedOut = (retryAfter: number) => {
        this.audit.record({ type: 'client.authentication_failed', clientId: claimed?.slice(0, 64), ip: request.ip, detail: { endpoint, locked_out: true, retry_after: retryAfter } });
        return OAuthError.tooManyAttempts(retryAfter);
      };
      // Only failures are throttled. A client secret is a 256-bit value the server made, not a
      // password: the right one cannot be guessed, so it is never refused, and an attacker who
      // knows a client_id (they are public) cannot lock the client out. Successes touch no counter.
      const attempt = await this.throttle.begin('client', claimed, request.ip);
      if (attempt.retryAfter > 0) throw lockedOut(attempt.retryAfter);
      const retryAfter = await attempt.failed();
      this.audit.record({ type: 'client.authentication_failed', clientId: claimed?.slice(0, 64), ip: request.ip, detail: { endpoint } });
      if (retryAfter > 0) throw lockedOut(retryAfter);
      throw err;
    }
  }

  private async authenticate(request: FastifyRequest, params: Params, confidentialOnly: boolean): Promise<Client> {
    const authorization = request.headers.authorization;

    // RFC 7523 §2.2 private_key_jwt: a method of its own, never combined with another.
    if (hasClientAssertion(params)) {
      if (authorization !== undefined || params.client_secret !== undefined) throw OAuthError.invalidRequest('use exactly one client authentication method');
      return this.assertions.authenticate(params, `${this.config.issuer}${request.url.split('?')[0]}`);
    }

    let client: Client | null;
    if (authorization !== undefined) {
      if (params.client_secret !== undefined) throw OAuthError.invalidRequest('use exactly one client authentication method');
      const credentials = parseBasic(authorization);
      if (!credentials) throw OAuthError.invalidClient('malformed Basic credentials');
      if (params.client_id !== undefined && params.client_id !== credentials.clientId) {
        throw OAuthError.invalidRequest('client_id in the body differs from the authenticated client');
      }
      client = await this.secretAuthentication(credentials.clientId, credentials.secret);
    } else if (params.client_secret !== undefined) {
      if (!params.client_id) throw OAuthError.invalidClient('client_id is required');
      client = await this.secretAuthentication(params.client_id, params.client_secret);
    } else if (params.client_id !== undefined) {
      client = await this.clients.findByClientId(params.client_id);
      if (!client) throw OAuthError.invalidClient(UNKNOWN_CLIENT);
      if (!clientRules.isPublic(client)) throw OAuthError.invalidClient(methodMismatch(client.metadata.token_endpoint_auth_method, 'none'));
      if (confidentialOnly) throw OAuthError.invalidClient('this endpoint needs an authenticated client');
    } else {
      throw OAuthError.invalidClient('client authentication is required');
    }
    return client;
  }

  /**
   * RFC 6749 §2.3.1: a client with a secret is accepted in the Basic header and in the body alike,
   * whichever of the two it registered (libraries differ in what they send by default); the
   * registered method stays in its metadata. A refusal says which rule failed.
   */
  private async secretAuthentication(clientId: string, secret: string): Promise<Client> {
    const client = await this.clients.authenticate(clientId, secret);
    if (client && SECRET_METHODS.has(client.metadata.token_endpoint_auth_method)) return client;
    const known = client ?? (await this.clients.findByClientId(clientId));
    if (!known) throw OAuthError.invalidClient(UNKNOWN_CLIENT);
    const method = known.metadata.token_endpoint_auth_method;
    if (!SECRET_METHODS.has(method)) throw OAuthError.invalidClient(methodMismatch(method, 'a client secret'));
    throw OAuthError.invalidClient();
  }
}

/** The methods whose client is accepted with its secret in either place. */
const SECRET_METHODS = new Set<string>(['client_secret_basic', 'client_secret_post']);
const UNKNOWN_CLIENT = 'unknown client: no client has this client_id';

function methodMismatch(registered: string, used: string): string {
  const expected = SECRET_METHODS.has(registered) ? 'send its client secret (Basic header or client_secret in the body)' : registered === 'none' ? 'send client_id alone, without a secret' : `use ${registered}`;
  return `this client is registered with token_endpoint_auth_method ${registered} and authenticated with ${used}: ${expected}`;
}
