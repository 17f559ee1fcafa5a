import { Injectable } from '@nestjs/common';
import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { clientRules } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { namedClientId } from './client-auth.guard';
import { TokensService } from '../tokens/tokens.service';

/**
 * Who may read an endpoint's answers from a page of another origin:
 * - `public`: any origin (documents anyone may fetch, such as the metadata).
 * - `client`: the origins the calling client allows (`allowed_cors_origins`, by default for a
 *   public client the origins of its redirect URIs).
 * - `bearer`: like `client`, for the client the request's bearer token was issued to (userinfo).
 * Every other path — the pages, /oauth/authorize, introspection (server to server), /admin — has no entry and
 * never answers CORS.
 */
export const CORS_ROUTES: Readonly<Record<string, { access: 'public' | 'client' | 'bearer'; methods: string }>> = {
  '/.well-known/oauth-authorization-server': { access: 'public', methods: 'GET, HEAD' },
  '/.well-known/openid-configuration': { access: 'public', methods: 'GET, HEAD' },
  '/oauth/jwks': { access: 'public', methods: 'GET, HEAD' },
  '/oauth/userinfo': { access: 'bearer', methods: 'GET, POST' },
  '/oauth/token': { access: 'client', methods: 'POST' },
  '/oauth/revoke': { access: 'client', methods: 'POST' },
};

const NO_CORS: FastifyCorsOptions = { origin: false };

/** Seconds a browser may reuse a preflight answer. */
export const ACCESS_CONTROL_MAX_AGE = 600;

/**
 * Per-request options for @fastify/cors, in the style of node-oidc-provider and Ory Hydra.
 *
 * A preflight carries no client credentials, so it is answered for an origin that some client
 * allows (one LIKE query over the clients' metadata; the browser reuses the answer for
 * ACCESS_CONTROL_MAX_AGE seconds).
 * The actual request gets `Access-Control-Allow-Origin` only when the origin is allowed for the
 * client the request names — the Basic user or the body's client_id — which is the client
 * ClientAuthGuard authenticates next, or refuses with invalid_client. So an answer is never
 * readable by another client's origin; a failed authentication stays readable by the named
 * client's own pages, so they can show the error.
 */
@Injectable()
export class CorsPolicy {
  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
  ) {}

  /** The @fastify/cors delegator: options for this request. */
  readonly options = async (request: FastifyRequest): Promise<FastifyCorsOptions> => {
    const route = CORS_ROUTES[request.url.split('?')[0]];
    const origin = request.headers.origin;
    if (!route || typeof origin !== 'string') return NO_CORS;
    const allowed = route.access === 'public' || (await this.allowsOrigin(request, origin, route.access === 'bearer'));
    if (!allowed) return NO_CORS;
    return {
      origin,
      methods: route.methods,
      allowedHeaders: 'Authorization, Content-Type',
      exposedHeaders: 'WWW-Authenticate',
      maxAge: ACCESS_CONTROL_MAX_AGE,
    };
  };

  private async allowsOrigin(request: FastifyRequest, origin: string, bearer: boolean): Promise<boolean> {
    if (request.method === 'OPTIONS') return this.clients.someClientAllowsOrigin(origin);
    const clientId = bearer ? await this.bearerClientId(request) : namedClientId(request);
    if (!clientId) return false;
    const client = await this.clients.findByClientId(clientId);
    return client !== null && clientRules.corsOrigins(client).includes(origin);
  }

  /** The client a bearer token (Authorization header) was issued to, whatever its state. */
  private async bearerClientId(request: FastifyRequest): Promise<string | null> {
    const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
    return match ? ((await this.tokens.findByAccessToken(match[1]))?.clientId ?? null) : null;
  }
}
