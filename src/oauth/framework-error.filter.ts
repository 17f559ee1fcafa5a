import { ArgumentsHost, Catch, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { invalidFields } from '../admin/admin-errors';
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
 * A refusal raised before an admin route's own checks ran (the body parsers: malformed or too deep
 * JSON, a body over the limit) in the admin API's documented shapes: a 400 names `body` in
 * `fields`, any other 4xx carries `error`. Null for what is in those shapes already.
 */
function adminShape(exception: unknown): Record<string, unknown> | null {
  const status = exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  const response = exception instanceof HttpException ? exception.getResponse() : null;
  if (response !== null && typeof response === 'object' && (status === 400 ? 'fields' in response : 'error' in response)) return null;
  const message = exception instanceof Error ? exception.message : STATUS_CODES[status] ?? 'refused';
  if (status === 400) return invalidFields({ body: message.replace(/^(JSON )?body /i, '') }).getResponse() as Record<string, unknown>;
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/**
 * Global fallback for errors no controller filter took, and for errors raised before a controller
 * runs (a malformed body, an unknown route): on a route marked @ProtocolEndpoint() they are still
 * §5.2 JSON; on an admin route they take the admin API's shapes; a database outage elsewhere
 * (admin API, health, metrics) is a 503 in Nest's JSON shape with Retry-After; an unknown address
 * asked for by a browser gets a page; anything else is Nest's default.
 */
@Catch()
export class FrameworkErrorFilter extends BaseExceptionFilter {
  private readonly protocol = new OAuthExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    const config = request?.routeOptions?.config as Record<string, unknown> | undefined;
    if (config?.[PROTOCOL_ENDPOINT] === true) return this.protocol.catch(exception, host);
    const admin = request?.routeOptions?.url?.startsWith('/admin/') ? adminShape(exception) : null;
    if (admin) {
      host.switchToHttp().getResponse<FastifyReply>().status(admin.statusCode as number).header('Cache-Control', 'no-store').send(admin);
      return;
    }
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
