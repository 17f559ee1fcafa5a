import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { OAuthExceptionFilter } from './oauth-exception.filter';
import { PROTOCOL_ENDPOINT } from './protocol-endpoint.decorator';

/**
 * Global fallback for errors raised before a controller runs (a malformed body, an unknown route):
 * on a route marked @ProtocolEndpoint() they are still §5.2 `invalid_request`; elsewhere Nest's default.
 */
@Catch()
export class FrameworkErrorFilter extends BaseExceptionFilter {
  private readonly protocol = new OAuthExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    const config = request?.routeOptions?.config as Record<string, unknown> | undefined;
    if (config?.[PROTOCOL_ENDPOINT] === true) this.protocol.catch(exception, host);
    else super.catch(exception, host);
  }
}
