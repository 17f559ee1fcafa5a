/**
 * Resource Owner Password Credentials Grant (RFC 6749 §4.3). Wrong credentials are invalid_grant,
 * and an unknown user gets the same answer in about the same time as a wrong password
 * (UsersService.verifyPassword spends one argon2id verify either way).
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Client, clientRules } from '../clients/client.entity';
import { clientOidcDefaults } from '../clients/client-metadata';
import { TokensService } from '../tokens/tokens.service';
import { UsersService } from '../users/users.service';
import { OAuthError } from './oauth-error';
import { Caller, TokenGrant, TokenRequest, TokenResponse } from './grant';
import { resolveScope } from './scope';
import { toTokenResponse } from './token-response';

@Injectable()
export class PasswordGrant implements TokenGrant {
  readonly grantType = 'password';
  readonly enabled: boolean;

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    config: AppConfig,
  ) {
    this.enabled = config.passwordGrantEnabled;
  }

  async handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse> {
    if (!request.username) throw OAuthError.invalidRequest('username is required');
    if (request.password === undefined) throw OAuthError.invalidRequest('password is required');
    const scope = resolveScope(request.scope, client.metadata.scope);
    const user = await this.users.verifyPassword(request.username, request.password);
    if (!user) throw OAuthError.invalidGrant('invalid username or password');
    const issued = await this.tokens.issue({
      grantType: this.grantType,
      clientId: client.clientId,
      userId: user.id,
      scope,
      withRefreshToken: clientRules.allowsGrantType(client, 'refresh_token'),
      format: clientOidcDefaults.accessTokenFormat(client.metadata),
      ip: caller.ip,
      jkt: caller.dpopJkt,
    });
    return toTokenResponse(issued);
  }
}
