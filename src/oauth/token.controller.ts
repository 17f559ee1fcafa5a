import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Client, clientRules } from '../clients/client.entity';
import { GrantRegistry } from '../grants/grant-registry';
import { TokenRequest, TokenResponse } from '../grants/grant';
import { ClientAuthGuard, CurrentClient } from './client-auth.guard';
import { formParams } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';

/** Token endpoint (RFC 6749 §3.2): authenticate the client, pick the grant, let it decide. */
@ApiExcludeController()
@Controller('oauth')
export class TokenController {
  constructor(private readonly registry: GrantRegistry) {}

  @Post('token')
  @ProtocolEndpoint()
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @Header('Cache-Control', 'no-store') // §5.1
  @Header('Pragma', 'no-cache')
  token(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<TokenResponse> {
    const params = formParams(req);
    if (!params.grant_type) throw OAuthError.invalidRequest('grant_type is required');
    const grant = this.registry.tokenGrant(params.grant_type);
    if (!grant) throw OAuthError.unsupportedGrantType();
    if (!clientRules.allowsGrantType(client, grant.grantType)) {
      throw OAuthError.unauthorizedClient(`this client may not use the ${grant.grantType} grant`);
    }
    return grant.handle(params as TokenRequest, client);
  }
}
