import { applyDecorators, UseFilters } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { OAuthExceptionFilter } from './oauth-exception.filter';

/** The Fastify route config key that marks a JSON protocol endpoint. */
export const PROTOCOL_ENDPOINT = 'oauthProtocolEndpoint';

/**
 * A JSON protocol endpoint (token, revocation, introspection): its errors are RFC 6749 §5.2 JSON,
 * those its handler throws (OAuthExceptionFilter) and those Fastify raises before it runs, such as
 * a malformed body (FrameworkErrorFilter finds the mark in the route's config).
 */
export function ProtocolEndpoint(): MethodDecorator {
  return applyDecorators(UseFilters(OAuthExceptionFilter), RouteConfig({ [PROTOCOL_ENDPOINT]: true }));
}
