import { Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../grants/oauth-error';
import { ProtocolEndpoint } from '../oauth/protocol-endpoint.decorator';
import { ClientInformation, RegistrationService } from './registration.service';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The bearer token of the Authorization header (RFC 6750 §2.1), or null. */
function bearerToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  return header ? (BEARER.exec(header)?.[1] ?? null) : null;
}

/**
 * Dynamic client registration (RFC 7591 §3) at `registration_endpoint` and client configuration
 * management (RFC 7592 §2) at each client's `registration_client_uri`. Closed by default
 * (REGISTRATION=closed): then registering is a 404 and the metadata names no endpoint.
 */
@ApiExcludeController()
@Controller('oauth/register')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post()
  @ProtocolEndpoint()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  register(@Req() req: FastifyRequest): Promise<ClientInformation> {
    if (!this.registration.enabled) throw new OAuthError('invalid_request', 'dynamic client registration is not enabled on this server', 404);
    return this.registration.register(req.body, bearerToken(req), req.ip);
  }

  @Get(':client_id')
  @ProtocolEndpoint()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  read(@Param('client_id') clientId: string, @Req() req: FastifyRequest): Promise<ClientInformation> {
    return this.registration.read(clientId, bearerToken(req));
  }

  @Put(':client_id')
  @ProtocolEndpoint()
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  replace(@Param('client_id') clientId: string, @Req() req: FastifyRequest): Promise<ClientInformation> {
    return this.registration.replace(clientId, bearerToken(req), req.body, req.ip);
  }

  @Delete(':client_id')
  @ProtocolEndpoint()
  @HttpCode(204)
  @Header('Cache-Control', 'no-store')
  async delete(@Param('client_id') clientId: string, @Req() req: FastifyRequest): Promise<void> {
    await this.registration.delete(clientId, bearerToken(req), req.ip);
  }
}
