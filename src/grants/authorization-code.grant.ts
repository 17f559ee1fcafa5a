/**
 * Authorization Code Grant (RFC 6749 §4.1) with PKCE (RFC 7636).
 * A code is ≥ 256 bits, stored as its digest, lives AUTHORIZATION_CODE_TTL (≤ 10 min), is bound to
 * client, redirect_uri, user, scope and PKCE challenge, and is single use: redeeming it twice
 * fails and revokes every token issued from it (§4.1.2).
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Client, clientRules } from '../clients/client.entity';
import { User } from '../users/user.entity';
import { AuthorizationCodesService } from '../authorization-codes/authorization-codes.service';
import { TokensService } from '../tokens/tokens.service';
import { OAuthError } from './oauth-error';
import { AuthorizationGrant, AuthorizationRequest, Caller, TokenGrant, TokenRequest, TokenResponse } from './grant';
import { CodeChallengeMethod, isValidCodeChallenge, verifyCodeVerifier } from './pkce';
import { toTokenResponse } from './token-response';
import { AuditService } from '../audit/audit.service';
import { IdTokenService } from '../keys/id-token.service';
import { clientOidcDefaults } from '../clients/client-metadata';
import { parseScope } from '../common/oauth-types';
import { ResourceServersService } from '../resources/resource-servers.service';
import { narrowAudience } from '../resources/resource-indicators';
import { UsersService } from '../users/users.service';
import { idTokenClaims } from './id-token-claims';

@Injectable()
export class AuthorizationCodeGrant implements TokenGrant, AuthorizationGrant {
  readonly grantType = 'authorization_code';
  readonly responseType = 'code';
  readonly responseMode = 'query';
  readonly enabled = true;

  constructor(
    private readonly codes: AuthorizationCodesService,
    private readonly tokens: TokensService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly idTokens: IdTokenService,
    private readonly resources: ResourceServersService,
    private readonly users: UsersService,
  ) {}

  /** RFC 7636 §4.3: the challenge, when sent or required, is well formed and of an allowed method. */
  validate(params: Readonly<Record<string, string | undefined>>, client: Client) {
    const challenge = params.code_challenge;
    if (challenge && !params.code_challenge_method && !this.config.pkceAllowPlain) {
      // §4.3 defaults a missing method to plain, which this server does not accept (RFC 9700 §2.1.1).
      throw OAuthError.invalidRequest('code_challenge_method is required (S256)');
    }
    const method = params.code_challenge_method ?? (challenge ? 'plain' : undefined);
    if (!challenge) {
      if (params.code_challenge_method) throw OAuthError.invalidRequest('code_challenge_method without code_challenge');
      if (clientRules.isPublic(client)) throw OAuthError.invalidRequest('code_challenge is required for public clients (RFC 7636)');
      if (this.config.pkceRequired) throw OAuthError.invalidRequest('code_challenge is required');
      return {};
    }
    if (method !== 'S256' && method !== 'plain') throw OAuthError.invalidRequest('code_challenge_method must be S256 or plain');
    if (method === 'plain' && !this.config.pkceAllowPlain) throw OAuthError.invalidRequest('code_challenge_method plain is not allowed; use S256');
    if (!isValidCodeChallenge(challenge)) throw OAuthError.invalidRequest('code_challenge is malformed');
    return { codeChallenge: challenge, codeChallengeMethod: method as CodeChallengeMethod };
  }

  /** §4.1.2: the code goes back in the query with state. */
  async authorize(request: AuthorizationRequest, user: User, authTime: number): Promise<Record<string, string>> {
    const code = await this.codes.create({
      clientId: request.clientId,
      userId: user.id,
      redirectUri: request.redirectUri,
      redirectUriSent: request.redirectUriSent,
      scope: request.scope,
      nonce: request.nonce,
      authTime,
      codeChallenge: request.codeChallenge ?? null,
      codeChallengeMethod: request.codeChallengeMethod ?? null,
      resources: request.resources ?? null,
      dpopJkt: request.dpopJkt ?? null,
    });
    return { code, ...(request.state !== undefined ? { state: request.state } : {}) };
  }

  /** §4.1.3: redeem the code. */
  async handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse> {
    if (!request.code) throw OAuthError.invalidRequest('code is required');
    const code = await this.codes.findByCode(request.code);
    if (!code || code.clientId !== client.clientId) throw OAuthError.invalidGrant('authorization code is invalid');
    if (code.usedAt !== null) {
      // §4.1.2: a code used twice revokes what was issued from it.
      const revoked = await this.tokens.revokeByCodeId(code.id);
      this.audit.record({ type: 'code.replayed', clientId: client.clientId, userId: code.userId, ip: caller.ip, detail: { code_id: code.id, tokens_revoked: revoked } });
      throw OAuthError.invalidGrant('authorization code was already used');
    }
    if (this.codes.isExpired(code)) throw OAuthError.invalidGrant('authorization code expired');
    // RFC 9449 §10: a code bound to a DPoP key is redeemed only with a proof of that key (left
    // unused otherwise: whoever holds the key may still redeem it).
    if (code.dpopJkt !== null && caller.dpopJkt !== code.dpopJkt) {
      throw OAuthError.invalidGrant(caller.dpopJkt ? 'the DPoP proof is signed with another key than the one the authorization code is bound to (dpop_jkt)' : 'this authorization code is bound to a DPoP key: send a DPoP proof of that key');
    }
    // §4.1.3: redirect_uri must be sent, and identical, when the authorization request had it.
    if (code.redirectUriSent && request.redirect_uri === undefined) throw OAuthError.invalidGrant('redirect_uri is required');
    if (request.redirect_uri !== undefined && request.redirect_uri !== code.redirectUri) {
      throw OAuthError.invalidGrant('redirect_uri does not match the authorization request');
    }
    if (code.codeChallenge) {
      if (!request.code_verifier) throw OAuthError.invalidGrant('code_verifier is required');
      if (!verifyCodeVerifier(request.code_verifier, code.codeChallenge, code.codeChallengeMethod as CodeChallengeMethod)) {
        throw OAuthError.invalidGrant('code_verifier does not match the code_challenge');
      }
    } else if (request.code_verifier !== undefined) {
      // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is refused.
      throw OAuthError.invalidGrant('code_verifier sent for a code issued without code_challenge');
    }

    // RFC 8707 §2.2: the token may be for fewer resources than the code was granted, never others.
    const audience = narrowAudience(await this.resources.resolve(request.resource), code.resources);
    const issued = await this.tokens.redeemCode(code, clientRules.allowsGrantType(client, 'refresh_token'), clientOidcDefaults.accessTokenFormat(client.metadata), caller.ip, audience, caller.dpopJkt);
    if (!issued) {
      // Lost the race to a concurrent redemption: that one is the replay victim.
      const revoked = await this.tokens.revokeByCodeId(code.id);
      this.audit.record({ type: 'code.replayed', clientId: client.clientId, userId: code.userId, ip: caller.ip, detail: { code_id: code.id, tokens_revoked: revoked, concurrent: true } });
      throw OAuthError.invalidGrant('authorization code was already used');
    }
    const response = toTokenResponse(issued);
    // OpenID Connect Core §3.1.3.3: an `openid` request gets an ID token, with the nonce and auth_time of the authorization.
    if (parseScope(code.scope).includes('openid')) {
      response.id_token = await this.idTokens.issue({
        clientId: client.clientId,
        alg: clientOidcDefaults.idTokenAlg(client.metadata),
        userId: code.userId,
        authTime: code.authTime,
        nonce: code.nonce,
        accessToken: issued.accessToken,
        claims: await idTokenClaims(client, this.users, code.userId, code.scope),
      });
    }
    return response;
  }
}

