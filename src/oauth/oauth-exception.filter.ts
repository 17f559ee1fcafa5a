import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthError, logOAuthError } from '../grants/oauth-error';
import { DpopProofError } from '../dpop/dpop.service';

/**
 * Renders errors of the JSON protocol endpoints (token, revocation, introspection): RFC 6749 §5.2
 * JSON with no-store, and 401 on invalid_client, with `WWW-Authenticate: Basic` when Basic was tried.
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
    const request = host.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const authorization = request.headers.authorization;
    if (error.code === 'invalid_client' && typeof authorization === 'string' && /^basic\b/i.test(authorization.trim())) {
      // §5.2: the challenge answers a client that tried Basic. One that sent its secret in the body
      // gets none: libraries report the challenge instead of error_description when it is there.
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
