import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthError, logOAuthError } from '../grants/oauth-error';
import { DpopProofError } from '../dpop/dpop.service';

/**
 * Renders errors of the JSON protocol endpoints (token, revocation, introspection): RFC 6749 §5.2
 * JSON with no-store, and 401 + `WWW-Authenticate: Basic` on invalid_client.
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuth');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = OAuthError.from(exception);
    logOAuthError(this.logger, error);
    // The access line and the token-error counter report the code (never the description).
    (host.switchToHttp().getRequest<{ oauthErrorCode?: string }>()).oauthErrorCode = error.code;
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    if (error.code === 'invalid_client') {
      // §5.2 requires the challenge when Basic was tried; RFC 7235 §3.1 wants one on every 401.
      reply.header('WWW-Authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
    } else if (error.code === 'invalid_token') {
      // RFC 6750 §3: a bearer-protected endpoint (client registration management) challenges with Bearer.
      reply.header('WWW-Authenticate', 'Bearer realm="gatehouse", error="invalid_token"');
    }
    if (error.retryAfter !== undefined) reply.header('Retry-After', String(error.retryAfter));
    // RFC 9449 §8: the nonce the client must put in its next proof.
    if (error instanceof DpopProofError && error.nonce) reply.header('DPoP-Nonce', error.nonce);
    const body: Record<string, string> = { error: error.code };
    if (error.description) body.error_description = error.description;
    reply.status(error.status).type('application/json; charset=utf-8').send(body);
  }
}
