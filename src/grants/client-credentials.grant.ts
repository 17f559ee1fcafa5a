/**
 * Client Credentials Grant (RFC 6749 §4.4). A confidential client trades its own credentials
 * for an access token: no user, and no refresh token (§4.4.3).
 */
import { Injectable } from '@nestjs/common';
import { clientOidcDefaults } from '../clients/client-metadata';
import { Client, clientRules } from '../clients/client.entity';
import { TokensService } from '../tokens/tokens.service';
import { OAuthError } from './oauth-error';
import { Caller, TokenGrant, TokenRequest, TokenResponse } from './grant';
import { resolveScope } from './scope';
import { toTokenResponse } from './token-response';
import { ResourceServersService } from '../resources/resource-servers.service';

@Injectable()
export class ClientCredentialsGrant implements TokenGrant {
  readonly grantType = 'client_credentials';
  readonly enabled = true;

  constructor(
    private readonly tokens: TokensService,
    private readonly resources: ResourceServersService,
  ) {}

  async handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse> {
    // §4.4: "MUST only be used by confidential clients".
    if (clientRules.isPublic(client)) throw OAuthError.unauthorizedClient('client_credentials is for confidential clients only');
    const scope = resolveScope(request.scope, client.metadata.scope);
    // RFC 8707 §2: no grant to stay within; the audience is what the client names.
    const audience = await this.resources.resolve(request.resource);
    const issued = await this.tokens.issue({ clientId: client.clientId, userId: null, scope, withRefreshToken: false, grantType: this.grantType, format: clientOidcDefaults.accessTokenFormat(client.metadata), ip: caller.ip, resources: audience, audience, jkt: caller.dpopJkt });
    return toTokenResponse(issued);
  }
}
