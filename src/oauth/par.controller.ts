import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PushedRequestsService } from '../authorization-requests/pushed-requests.service';
import { Client } from '../clients/client.entity';
import { AppConfig } from '../config/app-config';
import { DpopProofError, DpopService } from '../dpop/dpop.service';
import { OAuthError } from '../grants/oauth-error';
import { formParams } from '../web/form-params';
import { AuthorizeService } from './authorize.service';
import { ClientAuthGuard, CurrentClient } from './client-auth.guard';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';

/** Client credentials travel with the push but are no part of the authorization request. */
const CLIENT_AUTHENTICATION = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * Pushed authorization request endpoint (RFC 9126 §2). The client authenticates as at the token
 * endpoint, the request is checked as the authorization endpoint would (§2.1), and the client gets
 * a one-time request_uri that lives 60 seconds (§2.2). Errors are §2.3 JSON.
 *
 * RFC 9449 §10.1: a DPoP proof sent with the push binds the authorization code to the proof's key,
 * as `dpop_jkt` would; when both are sent they must name the same key.
 */
@ApiExcludeController()
@Controller('oauth')
export class ParController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly pushed: PushedRequestsService,
    private readonly dpop: DpopService,
    private readonly config: AppConfig,
  ) {}

  @Post('par')
  @ProtocolEndpoint()
  @HttpCode(201)
  @UseGuards(ClientAuthGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async push(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<{ request_uri: string; expires_in: number }> {
    const params = formParams(req);
    // §2.1: request_uri must not be pushed.
    if (params.request_uri !== undefined) throw OAuthError.invalidRequest('request_uri must not be sent to the pushed authorization request endpoint');
    if (params.request !== undefined) throw OAuthError.requestNotSupported();
    const request: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) if (value !== undefined && !CLIENT_AUTHENTICATION.has(name)) request[name] = value;
    request.client_id = client.clientId;
    const proven = await this.proofKey(req);
    if (proven !== null) {
      if (request.dpop_jkt !== undefined && request.dpop_jkt !== proven) throw new DpopProofError('dpop_jkt does not match the key of the DPoP proof');
      request.dpop_jkt = proven;
    }
    // §2.1: validated as an authorization request would be; errors come back here as JSON.
    await this.authorize.parse(request, [], { pushed: true });
    const { requestUri, expiresIn } = await this.pushed.push(client.clientId, request);
    return { request_uri: requestUri, expires_in: expiresIn };
  }

  /** The thumbprint of the key of the DPoP proof sent with the push (§10.1), or null without one (or with DPoP off). */
  private async proofKey(req: FastifyRequest): Promise<string | null> {
    if (!this.dpop.enabled) return null;
    const proof = DpopService.header(req.headers);
    if (proof === undefined) return null;
    return this.dpop.verify(proof, { method: 'POST', url: `${this.config.issuer}${req.url.split('?')[0]}` });
  }
}
