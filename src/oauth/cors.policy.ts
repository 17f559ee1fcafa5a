import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
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
export interface CorsRule {
  access: 'public' | 'client' | 'bearer';
  methods: string;
}

export const CORS_ROUTES: Readonly<Record<string, CorsRule>> = {
  '/.well-known/oauth-authorization-server': { access: 'public', methods: 'GET, HEAD' },
  '/.well-known/openid-configuration': { access: 'public', methods: 'GET, HEAD' },
  '/oauth/jwks': { access: 'public', methods: 'GET, HEAD' },
  '/oauth/userinfo': { access: 'bearer', methods: 'GET, POST' },
  '/oauth/token': { access: 'client', methods: 'POST' },
  '/oauth/revoke': { access: 'client', methods: 'POST' },
};

/** Seconds a browser may reuse a preflight answer. */
export const ACCESS_CONTROL_MAX_AGE = 600;

/**
 * Which origin may read which answer, in the style of node-oidc-provider and Ory Hydra.
 *
 * A preflight carries no client credentials, so it is answered for an origin that some client
 * allows (one LIKE query over the clients' metadata; the browser reuses the answer for
 * ACCESS_CONTROL_MAX_AGE seconds).
 * The actual request is readable only when the origin is allowed for the client the request
 * names — the Basic user or the body's client_id — which is the client ClientAuthGuard
 * authenticates next, or refuses with invalid_client. So an answer is never readable by another
 * client's origin; a failed authentication stays readable by the named client's own pages, so
 * they can show the error.
 */
@Injectable()
export class CorsPolicy {
  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokensService,
  ) {}

  /** Whether a page on `origin` may send `request` (a preflight) or read its answer. */
  async allows(request: FastifyRequest, origin: string, rule: CorsRule): Promise<boolean> {
    if (rule.access === 'public') return true;
    if (request.method === 'OPTIONS') return this.clients.someClientAllowsOrigin(origin);
    const clientId = rule.access === 'bearer' ? await this.bearerClientId(request) : namedClientId(request);
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

/** Caches keep one answer per Origin on these routes, allowed or not. */
function varyOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  reply.header('vary', typeof vary === 'string' && vary !== '' ? `${vary}, Origin` : 'Origin');
}

/**
 * CORS on the routes CORS_ROUTES lists, and no trace of it (nor any cost) elsewhere: the actual
 * requests get a route-level preHandler, decided once the body is parsed (the token endpoint's
 * client may be named there); the preflights get an OPTIONS route per path, answered 204 when
 * allowed and 404 otherwise (a refused preflight carries no Access-Control-* header).
 * Call before the application's routes are registered.
 */
export function registerCors(fastify: FastifyInstance, policy: CorsPolicy): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const rule = CORS_ROUTES[route.url ?? ''];
    if (!rule || [route.method].flat().includes('OPTIONS')) return;
    const cors = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      varyOrigin(reply);
      const origin = request.headers.origin;
      if (typeof origin === 'string' && (await policy.allows(request, origin, rule))) {
        reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', 'WWW-Authenticate');
      }
    };
    route.preHandler = [...[route.preHandler ?? []].flat(), cors];
  });
  for (const [path, rule] of Object.entries(CORS_ROUTES)) {
    fastify.options(path, async (request, reply) => {
      const origin = request.headers.origin;
      const preflight = typeof origin === 'string' && typeof request.headers['access-control-request-method'] === 'string';
      if (!preflight || !(await policy.allows(request, origin, rule))) return reply.callNotFound();
      varyOrigin(reply);
      return reply
        .code(204)
        .header('access-control-allow-origin', origin)
        .header('access-control-expose-headers', 'WWW-Authenticate')
        .header('access-control-allow-methods', rule.methods)
        .header('access-control-allow-headers', 'Authorization, Content-Type, DPoP')
        .header('access-control-max-age', String(ACCESS_CONTROL_MAX_AGE))
        .header('content-length', '0')
        .send();
    });
  }
}
