/**
 * Implicit Grant (RFC 6749 §4.2). The access token goes back in the redirect URI's fragment and
 * never with a refresh token (§4.2.2). OAuth 2.1 drops this grant: IMPLICIT_ENABLED=false turns it off.
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TokensService } from '../tokens/tokens.service';
import { User } from '../users/user.entity';
import { AuthorizationGrant, AuthorizationRequest, Caller } from './grant';
import { Client } from '../clients/client.entity';
import { clientOidcDefaults } from '../clients/client-metadata';

@Injectable()
export class ImplicitGrant implements AuthorizationGrant {
  readonly responseType = 'token';
  readonly responseMode = 'fragment';
  readonly enabled: boolean;

  constructor(
    private readonly tokens: TokensService,
    config: AppConfig,
  ) {
    this.enabled = config.implicitEnabled;
  }

  /** PKCE belongs to the code flow; nothing else to check here. */
  validate() {
    return {};
  }

  /** §4.2.2: access_token, token_type, expires_in, scope and state, in the fragment. */
  async authorize(request: AuthorizationRequest, user: User, _authTime: number, client: Client, caller: Caller): Promise<Record<string, string>> {
    const format = clientOidcDefaults.accessTokenFormat(client.metadata);
    const issued = await this.tokens.issue({ clientId: request.clientId, userId: user.id, scope: request.scope, withRefreshToken: false, grantType: 'implicit', format, ip: caller.ip, resources: request.resources ?? null, audience: request.resources ?? null });
    return {
      access_token: issued.accessToken,
      token_type: issued.tokenType,
      expires_in: String(issued.expiresIn),
      scope: issued.scope,
      ...(request.state !== undefined ? { state: request.state } : {}),
    };
  }
}
