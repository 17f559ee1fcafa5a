import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { Client } from '../clients/client.entity';
import { TokensService } from '../tokens/tokens.service';
import { ClientAuthGuard, ConfidentialClientsOnly, CurrentClient } from './client-auth.guard';
import { formParams } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';

/** `aud` as JWTs carry it: one value as a string, several as an array. */
function audienceClaim(audience: string[] | null, fallback: string): string | string[] {
  if (!audience || audience.length === 0) return fallback;
  return audience.length === 1 ? audience[0] : audience;
}

/**
 * Token introspection (RFC 7662). Only authenticated (confidential) clients may call it. A client
 * sees its own tokens; one registered with `introspection: true` (a resource server) sees every
 * client's. Anything else — expired, revoked, unknown, another client's — is `{"active": false}`.
 */
@ApiExcludeController()
@Controller('oauth')
export class IntrospectController {
  constructor(
    private readonly tokens: TokensService,
    private readonly config: AppConfig,
  ) {}

  @Post('introspect')
  @ProtocolEndpoint()
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @ConfidentialClientsOnly()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async introspect(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<Record<string, unknown>> {
    const params = formParams(req);
    if (!params.token) throw OAuthError.invalidRequest('token is required');
    const found = await this.tokens.findByValue(params.token, params.token_type_hint);
    if (!found || (found.token.clientId !== client.clientId && !client.metadata.introspection)) return { active: false };
    const { token, type } = found;
    const isRefresh = type === 'refresh_token';
    const state = isRefresh ? this.tokens.refreshTokenState(token) : this.tokens.accessTokenState(token);
    if (state !== 'active') return { active: false };
    const user = token.owner;
    return {
      active: true,
      scope: isRefresh ? await this.tokens.refreshTokenScope(token) : token.scope,
      client_id: token.clientId,
      ...(user ? { username: user.username, sub: String(user.id) } : {}),
      // RFC 7662 §2.2: token_type is an access token's type (RFC 6749 §7.1); a refresh token has none.
      ...(isRefresh ? {} : { token_type: token.tokenType }),
      // RFC 9449 §6.2: the key a DPoP-bound token is bound to.
      ...(token.jkt ? { cnf: { jkt: token.jkt } } : {}),
      exp: isRefresh ? this.tokens.refreshTokenExpiresAt(token) : this.tokens.accessTokenExpiresAt(token),
      iat: token.issuedAt,
      iss: this.config.issuer,
      // RFC 7662 §2.2 / RFC 8707: the resources the token is for; unrestricted tokens have the default audience.
      aud: audienceClaim(isRefresh ? token.resources : token.audience, this.config.resourceAudience || this.config.issuer),
    };
  }
}
