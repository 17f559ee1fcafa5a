/**
 * OpenID Connect implicit flow (Core §3.2): response_type `id_token` answers an ID token alone, with
 * the user's claims in it (§5.4, no access token to call userinfo with); `id_token token` adds an
 * access token, bound by at_hash (§3.2.2.10). Both in the fragment, never a refresh token, and a
 * nonce is required (§3.2.2.1). Served only when IMPLICIT_ENABLED is on.
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Client } from '../clients/client.entity';
import { clientOidcDefaults } from '../clients/client-metadata';
import { parseScope } from '../common/oauth-types';
import { IdTokenService } from '../keys/id-token.service';
import { TokensService } from '../tokens/tokens.service';
import { User } from '../users/user.entity';
import { userClaims } from '../users/user-claims';
import { AuthorizationGrant, AuthorizationRequest, Caller } from './grant';
import { OAuthError } from './oauth-error';

@Injectable()
export class IdTokenGrant implements AuthorizationGrant {
  readonly responseType: 'id_token' | 'id_token token' = 'id_token';
  readonly responseMode = 'fragment';
  readonly enabled: boolean;

  constructor(
    protected readonly tokens: TokensService,
    protected readonly idTokens: IdTokenService,
    config: AppConfig,
  ) {
    this.enabled = config.implicitEnabled;
  }

  validate(params: Readonly<Record<string, string | undefined>>, client: Client) {
    // Core §3.2.2.1: nonce is REQUIRED; and an ID token is only for an `openid` request.
    if (!params.nonce) throw OAuthError.invalidRequest('nonce is required for this response_type');
    if (!parseScope(params.scope ?? client.metadata.scope).includes('openid')) throw OAuthError.invalidRequest('this response_type needs the openid scope');
    return {};
  }

  async authorize(request: AuthorizationRequest, user: User, authTime: number, client: Client, _caller: Caller): Promise<Record<string, string>> {
    // §5.4: with no access token to call userinfo with, the user's claims go in the ID token.
    const idToken = await this.issueIdToken(request, user, authTime, client, { claims: userClaims(user, request.scope) });
    return { id_token: idToken, ...(request.state !== undefined ? { state: request.state } : {}) };
  }

  /** The ID token of this authorization response, signed with the client's algorithm. */
  protected issueIdToken(request: AuthorizationRequest, user: User, authTime: number, client: Client, extra: { claims?: Record<string, unknown>; accessToken?: string }): Promise<string> {
    return this.idTokens.issue({
      clientId: client.clientId,
      alg: clientOidcDefaults.idTokenAlg(client.metadata),
      userId: user.id,
      authTime,
      nonce: request.nonce,
      ...extra,
    });
  }
}

@Injectable()
export class IdTokenTokenGrant extends IdTokenGrant {
  override readonly responseType = 'id_token token';

  override async authorize(request: AuthorizationRequest, user: User, authTime: number, client: Client, caller: Caller): Promise<Record<string, string>> {
    const format = clientOidcDefaults.accessTokenFormat(client.metadata);
    const issued = await this.tokens.issue({ clientId: client.clientId, userId: user.id, scope: request.scope, withRefreshToken: false, grantType: 'implicit', format, ip: caller.ip, resources: request.resources ?? null, audience: request.resources ?? null });
    const idToken = await this.issueIdToken(request, user, authTime, client, { accessToken: issued.accessToken });
    return {
      access_token: issued.accessToken,
      token_type: issued.tokenType,
      expires_in: String(issued.expiresIn),
      scope: issued.scope,
      id_token: idToken,
      ...(request.state !== undefined ? { state: request.state } : {}),
    };
  }
}
