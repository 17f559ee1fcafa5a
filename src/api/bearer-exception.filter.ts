import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { resourceMetadataUrl } from '../resources/resource-indicators';
import { protectedResourceOf } from './protected-resource.decorator';
import { OAuthError, logOAuthError } from '../grants/oauth-error';
import { DpopProofError } from '../dpop/dpop.service';
import { ASYMMETRIC_JWS_ALGS } from '../common/oauth-types';

/** A bearer request that carried no token at all (RFC 6750 §3.1: a challenge without an error code). */
export class MissingBearerTokenError extends HttpException {
  constructor() {
    super('a bearer token is required', HttpStatus.UNAUTHORIZED);
  }
}

const quote = (s: string) => s.replace(/[\\"]/g, '');

/** Errors of bearer-protected resources as RFC 6750 §3 challenges, with a JSON body and no-store. */
@Catch()
@Injectable()
export class BearerExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Bearer');

  constructor(private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const path = protectedResourceOf(host.switchToHttp().getRequest<FastifyRequest>());
    // RFC 9728 §5.1: every challenge of a resource with metadata says where that metadata is.
    const metadata = path === null ? '' : `, resource_metadata="${resourceMetadataUrl(this.config.issuer, path)}"`;
    reply.header('Cache-Control', 'no-store');
    if (exception instanceof MissingBearerTokenError) {
      reply.status(HttpStatus.UNAUTHORIZED).header('WWW-Authenticate', `Bearer realm="gatehouse"${metadata}`).send({ error_description: exception.message });
      return;
    }
    const error = OAuthError.from(exception);
    logOAuthError(this.logger, error);
    if (error.challengeScheme === 'DPoP') {
      // RFC 9449 §7.1: the DPoP challenge, with the algorithms a proof may use.
      let challenge = `DPoP realm="gatehouse", error="${error.code}", error_description="${quote(error.description ?? '')}"`;
      if (error.requiredScope) challenge += `, scope="${error.requiredScope}"`;
      reply.header('WWW-Authenticate', `${challenge}, algs="${ASYMMETRIC_JWS_ALGS.join(' ')}"`);
      if (error instanceof DpopProofError && error.nonce) reply.header('DPoP-Nonce', error.nonce);
    } else if (error.code === 'invalid_token' || error.code === 'insufficient_scope') {
      let challenge = `Bearer realm="gatehouse", error="${error.code}", error_description="${quote(error.description ?? '')}"`;
      if (error.requiredScope) challenge += `, scope="${error.requiredScope}"`;
      challenge += metadata;
      reply.header('WWW-Authenticate', challenge);
    }
    const body: Record<string, string> = { error: error.code };
    if (error.description) body.error_description = error.description;
    reply.status(error.status).type('application/json; charset=utf-8').send(body);
  }
}
