import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Client } from '../clients/client.entity';
import { TokensService } from '../tokens/tokens.service';
import { ClientAuthGuard, CurrentClient } from './client-auth.guard';
import { formParams } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';
import { AuditService } from '../audit/audit.service';

/**
 * Token revocation (RFC 7009). Revoking an access token also revokes the refresh token issued
 * with it; revoking a refresh token revokes its whole rotation family and the access tokens
 * issued from it (§2.1). Unknown, already revoked, or another client's token: 200, nothing done (§2.2).
 */
@ApiExcludeController()
@Controller('oauth')
export class RevokeController {
  constructor(
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
  ) {}

  @Post('revoke')
  @ProtocolEndpoint()
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async revoke(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<Record<string, never>> {
    const params = formParams(req);
    if (!params.token) throw OAuthError.invalidRequest('token is required');
    // §2.1: the hint only orders the search; a wrong hint still finds the token.
    const found = await this.tokens.findByValue(params.token, params.token_type_hint);
    if (found && found.token.clientId === client.clientId) {
      if (found.type === 'refresh_token') await this.tokens.revokeFamily(found.token);
      else await this.tokens.revokeById(found.token.id);
      this.audit.record({
        type: 'token.revoked',
        clientId: client.clientId,
        userId: found.token.userId,
        ip: req.ip,
        detail: { token_id: found.token.id, token_type: found.type, by: 'client' },
      });
    }
    return {};
  }
}
