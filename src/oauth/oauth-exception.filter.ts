import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { OAuthError } from './oauth-error';
import { buildRedirect } from './redirect';
import { errorView } from './views/error.view';

const REALM = 'gatehouse';

/** An exception as an OAuthError: protocol errors as they are, framework 4xx as invalid_request, the rest server_error. */
function toOAuthError(exception: unknown, logger: Logger): OAuthError {
  if (exception instanceof OAuthError) return exception;
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const response = exception.getResponse();
    const message = typeof response === 'object' && response && 'message' in response ? (response as { message: unknown }).message : exception.message;
    const error = new OAuthError('invalid_request', Array.isArray(message) ? message.join('; ') : String(message), exception.getStatus());
    return error;
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return OAuthError.serverError();
}

const quote = (s: string) => s.replace(/[\\"]/g, '');

/**
 * Renders errors of the JSON protocol endpoints: RFC 6749 §5.2 JSON with no-store, 401 +
 * `WWW-Authenticate: Basic` on invalid_client, and RFC 6750 §3 challenges on the resource.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toOAuthError(exception, this.logger);
    if (error.detail) this.logger.warn(`${error.code}: ${error.detail}`);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    if (error.code === 'invalid_token' || error.code === 'insufficient_scope') {
      let challenge = `Bearer realm="${REALM}", error="${error.code}", error_description="${quote(error.description ?? '')}"`;
      if (error.requiredScope) challenge += `, scope="${error.requiredScope}"`;
      reply.header('WWW-Authenticate', challenge);
    } else if (error.code === 'invalid_client') {
      // §5.2 requires the challenge when Basic was tried; RFC 7235 §3.1 wants one on every 401.
      reply.header('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
    }
    const body: Record<string, string> = { error: error.code };
    if (error.description) body.error_description = error.description;
    reply.status(error.status).type('application/json; charset=utf-8').send(body);
  }
}

/** A bearer request that carried no token at all (RFC 6750 §3.1: a challenge without an error code). */
export class MissingBearerTokenError extends HttpException {
  constructor() {
    super('a bearer token is required', HttpStatus.UNAUTHORIZED);
  }
}

/** Bearer-protected resources: like the protocol filter, plus the bare challenge for a missing token. */
@Catch()
export class BearerExceptionFilter extends OAuthExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof MissingBearerTokenError) {
      host
        .switchToHttp()
        .getResponse<FastifyReply>()
        .status(HttpStatus.UNAUTHORIZED)
        .header('Cache-Control', 'no-store')
        .header('WWW-Authenticate', `Bearer realm="${REALM}"`)
        .send({ error_description: exception.message });
      return;
    }
    super.catch(exception, host);
  }
}

/**
 * Errors of the pages (authorization endpoint, sign-in): an OAuthError with a verified redirect
 * goes back to the client (§4.1.2.1 query, §4.2.2.1 fragment); anything else is an HTML page here.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toOAuthError(exception, this.logger);
    reply.header('Cache-Control', 'no-store');
    if (error.redirect) {
      const { redirectUri, responseMode, state } = error.redirect;
      reply.redirect(buildRedirect(redirectUri, responseMode, { error: error.code, error_description: error.description, state }), 302);
      return;
    }
    const status = error.code === 'server_error' ? HttpStatus.INTERNAL_SERVER_ERROR : error.status === HttpStatus.FORBIDDEN ? 403 : HttpStatus.BAD_REQUEST;
    reply.status(status).type('text/html; charset=utf-8').send(errorView(error.code, error.description));
  }
}

/**
 * Global fallback for errors raised before a controller runs (a malformed body, an unknown route):
 * under the JSON protocol endpoints they are still §5.2 `invalid_request`; elsewhere Nest's default.
 */
@Catch()
export class FrameworkErrorFilter extends BaseExceptionFilter {
  private readonly protocol = new OAuthExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): void {
    const url = host.switchToHttp().getRequest<{ url?: string }>().url ?? '';
    if (/^\/oauth\/(token|revoke|introspect)(\?|$)/.test(url)) this.protocol.catch(exception, host);
    else super.catch(exception, host);
  }
}
