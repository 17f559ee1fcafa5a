import { Controller, Header, HttpCode, NotFoundException, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Client } from '../clients/client.entity';
import { DeviceAuthorizationResponse, DeviceCodeGrant } from '../grants/device-code.grant';
import { formParams } from '../web/form-params';
import { ClientAuthGuard, CurrentClient } from './client-auth.guard';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';

/**
 * Device authorization endpoint (RFC 8628 §3.1, §3.2). The client authenticates as at the token
 * endpoint (§3.1); a public client names itself with client_id.
 */
@ApiExcludeController()
@Controller('oauth')
export class DeviceAuthorizationController {
  constructor(private readonly grant: DeviceCodeGrant) {}

  @Post('device_authorization')
  @ProtocolEndpoint()
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  authorize(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<DeviceAuthorizationResponse> {
    if (!this.grant.enabled) throw new NotFoundException();
    return this.grant.authorizeDevice(formParams(req), client);
  }
}
