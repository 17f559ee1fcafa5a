import type { FastifyRequest } from 'fastify';
import { RouteConfig } from '@nestjs/platform-fastify';

/** The Fastify route config key naming the protected resource a route belongs to. */
const PROTECTED_RESOURCE = 'protectedResource';

/**
 * Marks a route as part of the resource `{ISSUER}{path}` (RFC 8707, RFC 9728): the bearer guard
 * refuses tokens whose audience is restricted to other resources, and its 401s point at the
 * resource's metadata. Route config, so the exception filter sees it too, even for a request the
 * guard refused.
 */
export function ProtectedResource(path: string): MethodDecorator {
  return RouteConfig({ [PROTECTED_RESOURCE]: path });
}

/** The resource path of the route that served `request`, or null. */
export function protectedResourceOf(request: FastifyRequest): string | null {
  const config = request.routeOptions?.config as unknown as Record<string, unknown> | undefined;
  const path = config?.[PROTECTED_RESOURCE];
  return typeof path === 'string' ? path : null;
}
