import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthError, logOAuthError } from '../grants/oauth-error';
import { sendAuthorizationResponse } from '../oauth/authorization-response';
import { errorView } from './views/error.view';

/**
 * Errors of the pages (authorization endpoint, sign-in): an OAuthError with a verified redirect
 * goes back to the client (§4.1.2.1 query, §4.2.2.1 fragment, or the request's form_post); anything else is an HTML page here.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = OAuthError.from(exception);
    logOAuthError(this.logger, error);
    reply.header('Cache-Control', 'no-store');
    if (error.redirect) {
      const { redirectUri, responseMode, state, iss } = error.redirect;
      sendAuthorizationResponse(reply, { redirectUri, responseMode, params: { error: error.code, error_description: error.description, state, iss } });
      return;
    }
    // A refusal keeps its own status (403 CSRF, 415 not a form, 503 unavailable, ...); a protocol error on a page is a 400.
    const status = error.code === 'server_error' ? HttpStatus.INTERNAL_SERVER_ERROR : [403, 404, 415, 429, 503].includes(error.status) ? error.status : HttpStatus.BAD_REQUEST;
    if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
    reply.status(status).type('text/html; charset=utf-8').send(errorView(error.code, error.description));
  }
}
