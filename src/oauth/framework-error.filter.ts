import { ArgumentsHost, Catch, HttpStatus, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '../database/database-unavailable.error';
import { sendPage } from '../web/views/send-page';
import { notFoundView } from '../web/views/not-found.view';
import { OAuthExceptionFilter } from './oauth-exception.filter';
import { PROTOCOL_ENDPOINT } from './protocol-endpoint.decorator';

/** A browser navigating (Accept names text/html before any JSON), not an API client. */
function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const htmlAt = accept.indexOf('text/html');
  const jsonAt = accept.indexOf('json');
  return htmlAt >= 0 && (jsonAt < 0 || htmlAt < jsonAt);
}

/**
 * Global fallback for errors no controller filter took, and for errors raised before a controller
 * runs (a malformed body, an unknown route): on a route marked @ProtocolEndpoint() they are still
 * §5.2 JSON; a database outage elsewhere (admin API, health, metrics) is a 503 in Nest's JSON shape
 * with Retry-After; an unknown address asked for by a browser gets a page; anything else is Nest's default.
 */
@Catch()
export class FrameworkErrorFilter extends BaseExceptionFilter {
  private readonly protocol = new OAuthExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    const config = request?.routeOptions?.config as Record<string, unknown> | undefined;
    if (config?.[PROTOCOL_ENDPOINT] === true) return this.protocol.catch(exception, host);
    if (exception instanceof DatabaseUnavailableError) {
      // Logged once per outage by the database, not per request.
      host
        .switchToHttp()
        .getResponse<FastifyReply>()
        .status(HttpStatus.SERVICE_UNAVAILABLE)
        .header('Retry-After', String(exception.retryAfter))
        .header('Cache-Control', 'no-store')
        .send({ statusCode: 503, error: 'Service Unavailable', message: `the database is unavailable; retry after ${exception.retryAfter} seconds` });
      return;
    }
    if (exception instanceof NotFoundException && request && prefersHtml(request)) return sendPage(host.switchToHttp().getResponse<FastifyReply>(), 404, notFoundView());
    super.catch(exception, host);
  }
}
