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

type BearerRequest = FastifyRequest & { accessToken?: Token };

/** The access token BearerTokenGuard accepted. */
export const CurrentToken = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<BearerRequest>().accessToken);

/** RFC 6750 §2.1 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

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
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<BearerRequest>();
    const header = request.headers.authorization;
    if (!header) throw new MissingBearerTokenError();
    const match = BEARER.exec(header);
    if (!match) throw OAuthError.invalidToken('the Authorization header is not a Bearer token');
    const path = protectedResourceOf(request);
    const resource = path === null ? null : `${this.config.issuer}${path}`;
    // A JWT access token (RFC 9068 §4) must carry our valid signature first; the row then says whether it was revoked.
    if (looksLikeJwt(match[1]) && !(await this.jwts.verify(match[1], resource ? [resource] : []))) throw OAuthError.invalidToken();
    const token = await this.tokens.findByAccessToken(match[1]);
    if (!token || this.tokens.accessTokenState(token) !== 'active') throw OAuthError.invalidToken();
    // RFC 8707: a token whose audience was restricted to other resources is no good here (no token passthrough).
    if (resource && token.audience && !token.audience.includes(resource)) throw OAuthError.invalidToken('the access token is not meant for this resource');
    const required = this.reflector.get<string[]>(REQUIRED_SCOPES, context.getHandler()) ?? [];
    const granted = parseScope(token.scope);
    const missing = required.find((s) => !granted.includes(s));
    if (missing) throw OAuthError.insufficientScope(missing);
    request.accessToken = token;
    return true;
  }
}
