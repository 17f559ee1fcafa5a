/**
 * Refreshing an Access Token (RFC 6749 §6) with rotation (RFC 9700 §4.14.2): every use returns a
 * new refresh token and retires the old one at once; presenting a retired one revokes the whole
 * family, except within REFRESH_REUSE_GRACE seconds of its rotation, when the same client gets a
 * sibling pair in the same family (clients that refresh from several processes at once). The new scope must be within the original grant's and within what the client may use
 * today: scopes the operator has since taken from the client are never handed out again.
 */
import { Injectable } from '@nestjs/common';
import { Client, clientRules } from '../clients/client.entity';
import { TokensService } from '../tokens/tokens.service';
import { OAuthError } from './oauth-error';
import { Caller, TokenGrant, TokenRequest, TokenResponse } from './grant';
import { resolveScope } from './scope';
import { parseScope } from '../common/oauth-types';
import { toTokenResponse } from './token-response';
import { AuditService } from '../audit/audit.service';
import { IdTokenService } from '../keys/id-token.service';
import { AuthorizationCodesService } from '../authorization-codes/authorization-codes.service';
import { clientOidcDefaults } from '../clients/client-metadata';
import { ResourceServersService } from '../resources/resource-servers.service';
import { narrowAudience } from '../resources/resource-indicators';
import { UsersService } from '../users/users.service';
import { idTokenClaims } from './id-token-claims';

@Injectable()
export class RefreshTokenGrant implements TokenGrant {
  readonly grantType = 'refresh_token';
  readonly enabled = true;

  constructor(
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly idTokens: IdTokenService,
    private readonly codes: AuthorizationCodesService,
    private readonly resources: ResourceServersService,
    private readonly users: UsersService,
  ) {}

  async handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse> {
    if (!request.refresh_token) throw OAuthError.invalidRequest('refresh_token is required');
    const token = await this.tokens.findByRefreshToken(request.refresh_token);
    // §6: the refresh token must have been issued to this client.
    if (!token || token.clientId !== client.clientId) throw OAuthError.invalidGrant('refresh token is invalid');
    const state = this.tokens.refreshTokenState(token);
    if (state === 'revoked' && !this.tokens.inReuseGrace(token)) {
      // RFC 9700 §4.14.2: a retired refresh token came back — someone holds a copy.
      const revoked = await this.tokens.revokeFamily(token);
      this.audit.record({ type: 'refresh_token.replayed', clientId: client.clientId, userId: token.userId, ip: caller.ip, detail: { token_id: token.id, tokens_revoked: revoked } });
      throw OAuthError.invalidGrant('refresh token is invalid');
    }
    if (state === 'expired') throw OAuthError.invalidGrant('refresh token expired');
    // §6: the scope "MUST NOT include any scope not originally granted", and omitted means all of it
    // (not the narrower scope a previous refresh asked for) — less what the client is no longer
    // registered for, as Keycloak re-evaluates client scopes on refresh.
    const registered = parseScope(client.metadata.scope);
    const allowed = parseScope(await this.tokens.refreshTokenScope(token)).filter((s) => registered.includes(s));
    if (allowed.length === 0) throw OAuthError.invalidScope('none of the granted scopes is still allowed for this client');
    const scope = resolveScope(request.scope, allowed.join(' '));
    // RFC 9449 §5: a public client's refresh token is bound to its DPoP key; only a proof with that key refreshes it.
    if (token.jkt !== null && clientRules.isPublic(client) && caller.dpopJkt !== token.jkt) {
      throw OAuthError.invalidGrant('this refresh token is bound to a DPoP key: send a proof signed with it');
    }
    // RFC 8707 §2.2: each refresh may ask for some of the grant's resources, never for others.
    const audience = narrowAudience(await this.resources.resolve(request.resource), token.resources);
    const issued = await this.tokens.rotate(token, scope, clientOidcDefaults.accessTokenFormat(client.metadata), caller.ip, audience, caller.dpopJkt);
    if (!issued) {
      // Lost the race to a concurrent rotation of the same refresh token, outside the grace window: a replay as well.
      const revoked = await this.tokens.revokeFamily(token);
      this.audit.record({ type: 'refresh_token.replayed', clientId: client.clientId, userId: token.userId, ip: caller.ip, detail: { token_id: token.id, tokens_revoked: revoked, concurrent: true } });
      throw OAuthError.invalidGrant('refresh token is invalid');
    }
    const response = toTokenResponse(issued);
    // OpenID Connect Core §12.2: a fresh ID token for an `openid` grant, same sub and auth_time, no nonce.
    if (token.userId !== null && parseScope(scope).includes('openid')) {
      const code = token.codeId !== null ? await this.codes.findById(token.codeId) : null;
      response.id_token = await this.idTokens.issue({
        clientId: client.clientId,
        alg: clientOidcDefaults.idTokenAlg(client.metadata),
        userId: token.userId,
        authTime: code?.authTime,
        accessToken: issued.accessToken,
        claims: await idTokenClaims(client, this.users, token.userId, scope),
      });
    }
    return response;
  }
}
