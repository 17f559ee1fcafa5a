import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Token } from '../tokens/token.entity';
import { TokensService } from '../tokens/tokens.service';
import { OAuthError } from '../grants/oauth-error';
import { MissingBearerTokenError } from './bearer-exception.filter';
import { parseScope } from '../common/oauth-types';
import { REQUIRED_SCOPES } from './require-scopes.decorator';
import { JwtAccessTokenService, looksLikeJwt } from '../keys/jwt-access-token.service';
import { AppConfig } from '../config/app-config';
import { protectedResourceOf } from './protected-resource.decorator';
import { DpopProofError, DpopService } from '../dpop/dpop.service';

type BearerRequest = FastifyRequest & { accessToken?: Token };

/** The access token BearerTokenGuard accepted. */
export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<BearerRequest>().accessToken);

/** RFC 6750 §2.1 b64token, after the Bearer or (RFC 9449 §7.1) DPoP scheme. */
const BEARER = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * RFC 6750 bearer tokens, opaque or JWT (RFC 9068), from the Authorization header only (OAuth 2.1): a token in the query
 * or the body counts as no token. Unknown, expired or revoked → 401 invalid_token; missing scope
 * → 403 insufficient_scope.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: TokensService,
    private readonly reflector: Reflector,
    private readonly jwts: JwtAccessTokenService,
    private readonly dpop: DpopService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<BearerRequest>();
    const header = request.headers.authorization;
    if (!header) throw new MissingBearerTokenError();
    const match = BEARER.exec(header);
    if (!match) throw OAuthError.invalidToken('the Authorization header is not a Bearer token');
    const dpopScheme = match[1].toLowerCase() === 'dpop';
    if (dpopScheme && !this.dpop.enabled) throw OAuthError.invalidToken('DPoP is not enabled on this server: send the token as Authorization: Bearer');
    const value = match[2];
    const path = protectedResourceOf(request);
    const resource = path === null ? null : `${this.config.issuer}${path}`;
    try {
      // A JWT access token (RFC 9068 §4) must carry our valid signature first; the row then says whether it was revoked.
      if (looksLikeJwt(value) && !(await this.jwts.verify(value, resource ? [resource] : []))) throw OAuthError.invalidToken();
      const token = await this.tokens.findByAccessToken(value);
      if (!token || this.tokens.accessTokenState(token) !== 'active') throw OAuthError.invalidToken();
      // RFC 8707: a token whose audience was restricted to other resources is no good here (no token passthrough).
      if (resource && token.audience && !token.audience.includes(resource)) throw OAuthError.invalidToken('the access token is not meant for this resource');
      if (token.jkt !== null || dpopScheme) await this.proveKey(request, token, value, dpopScheme);
      this.checkScopes(context, token);
      request.accessToken = token;
      return true;
    } catch (err) {
      if (err instanceof OAuthError && (dpopScheme || err instanceof DpopProofError)) err.challengeScheme = 'DPoP';
      throw err;
    }
  }

  /**
   * RFC 9449 §7.1: a DPoP-bound token is accepted only with the DPoP scheme and a proof, by the key
   * it is bound to, for this request (htm, htu) and naming this token (ath). A bound token sent as
   * Bearer, or a bearer token sent as DPoP, is invalid_token.
   */
  private async proveKey(request: FastifyRequest, token: Token, value: string, dpopScheme: boolean): Promise<void> {
    if (!dpopScheme) {
      const err = OAuthError.invalidToken('this token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof');
      err.challengeScheme = 'DPoP';
      throw err;
    }
    if (token.jkt === null) throw OAuthError.invalidToken('this is not a DPoP-bound token: send it as Authorization: Bearer');
    try {
      const proof = DpopService.header(request.headers);
      if (proof === undefined) throw new DpopProofError('a DPoP proof is required');
      const jkt = await this.dpop.verify(proof, { method: request.method, url: `${this.config.issuer}${request.url.split('?')[0]}`, accessToken: value });
      if (jkt !== token.jkt) throw OAuthError.invalidToken('the DPoP proof is signed with another key than the token is bound to');
    } catch (err) {
      throw err instanceof DpopProofError ? err.atResource() : err;
    }
  }

  private checkScopes(context: ExecutionContext, token: Token): void {
    const required = this.reflector.get<string[]>(REQUIRED_SCOPES, context.getHandler()) ?? [];
    const granted = parseScope(token.scope);
    const missing = required.find((s) => !granted.includes(s));
    if (missing) throw OAuthError.insufficientScope(missing);
  }
}
