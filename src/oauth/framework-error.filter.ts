import { ArgumentsHost, Catch, NotFoundException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
 * Global fallback for errors raised before a controller runs (a malformed body, an unknown route):
 * on a route marked @ProtocolEndpoint() they are still §5.2 `invalid_request`; an unknown address
 * asked for by a browser gets a page; elsewhere Nest's default (JSON).
 */
@Catch()
export class FrameworkErrorFilter extends BaseExceptionFilter {
  private readonly protocol = new OAuthExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    const config = request?.routeOptions?.config as Record<string, unknown> | undefined;
    if (config?.[PROTOCOL_ENDPOINT] === true) this.protocol.catch(exception, host);
    else if (exception instanceof NotFoundException && request && prefersHtml(request)) sendPage(host.switchToHttp().getResponse<FastifyReply>(), 404, notFoundView());
    else super.catch(exception, host);
  }
}
