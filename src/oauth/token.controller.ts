import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Client, clientRules } from '../clients/client.entity';
import { GrantRegistry } from '../grants/grant-registry';
import { TokenGrant, TokenRequest, TokenResponse } from '../grants/grant';
import { ClientAuthGuard, CurrentClient } from './client-auth.guard';
import { formParams } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { ProtocolEndpoint } from './protocol-endpoint.decorator';
import { AuditService } from '../audit/audit.service';
import { ThrottleService } from '../throttle/throttle.service';
import { usernameSubject } from '../users/username';
import { UsersService } from '../users/users.service';
import { AppConfig } from '../config/app-config';
import { DpopProofError, DpopService } from '../dpop/dpop.service';

/** Token endpoint (RFC 6749 §3.2): authenticate the client, pick the grant, let it decide. */
@ApiExcludeController()
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly registry: GrantRegistry,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly dpop: DpopService,
    private readonly config: AppConfig,
  ) {}

  @Post('token')
  @ProtocolEndpoint()
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @Header('Cache-Control', 'no-store') // §5.1
  @Header('Pragma', 'no-cache')
  async token(@Req() req: FastifyRequest, @CurrentClient() client: Client): Promise<TokenResponse> {
    const params = formParams(req);
    if (!params.grant_type) throw OAuthError.invalidRequest('grant_type is required');
    const grant = this.registry.tokenGrant(params.grant_type);
    if (!grant) throw OAuthError.unsupportedGrantType();
    if (!clientRules.allowsGrantType(client, grant.grantType)) {
      throw OAuthError.unauthorizedClient(`this client may not use the ${grant.grantType} grant`);
    }
    const dpopJkt = await this.dpopKey(req, client);
    if (grant.grantType === 'password') return this.passwordGrant(grant, params as TokenRequest, client, req.ip, dpopJkt);
    return grant.handle(params as TokenRequest, client, { ip: req.ip, dpopJkt });
  }

  /**
   * RFC 9449 §5: a valid DPoP proof binds the tokens to its key (its thumbprint, or null without a
   * proof). A client registered with dpop_bound_access_tokens must send one (§5.2).
   */
  private async dpopKey(req: FastifyRequest, client: Client): Promise<string | null> {
    if (!this.dpop.enabled) return null;
    const proof = DpopService.header(req.headers);
    if (proof === undefined) {
      if (client.metadata.dpop_bound_access_tokens) throw new DpopProofError('this client must send a DPoP proof');
      return null;
    }
    return this.dpop.verify(proof, { method: 'POST', url: `${this.config.issuer}${req.url.split('?')[0]}` });
  }

  /**
   * The password grant guesses like the sign-in page does, so it shares its counters (per account,
   * per account and IP, per IP). The grant stays free of HTTP: the throttling wraps it here.
   */
  private async passwordGrant(grant: TokenGrant, params: TokenRequest, client: Client, ip: string, dpopJkt: string | null): Promise<TokenResponse> {
    // Counters and the audit log know the account by its canonical name, whatever the spelling.
    const username = usernameSubject(params.username);
    const attempt = await this.throttle.begin('password', username, ip);
    const lockedOut = (retryAfter: number) => {
      this.audit.record({ type: 'sign_in.locked_out', clientId: client.clientId, ip, detail: { via: 'password_grant', username, retry_after: retryAfter } });
      return OAuthError.tooManyAttempts(retryAfter);
    };
    if (attempt.retryAfter > 0) throw lockedOut(attempt.retryAfter);
    try {
      const response = await grant.handle(params, client, { ip, dpopJkt });
      await attempt.succeeded();
      this.audit.record({ type: 'sign_in.succeeded', clientId: client.clientId, ip, detail: { via: 'password_grant', username } });
      return response;
    } catch (err) {
      // invalid_grant is the grant's answer to a wrong username or password (RFC 6749 §5.2).
      if (err instanceof OAuthError && err.code === 'invalid_grant') {
        const retryAfter = await attempt.failed();
        const known = params.username ? await this.users.knows(params.username) : false;
        this.audit.record({ type: 'sign_in.failed', clientId: client.clientId, ip, detail: { via: 'password_grant', username, ...(known ? {} : { unknown_username: true }) } });
        if (retryAfter > 0) throw lockedOut(retryAfter);
      }
      throw err;
    }
  }
}
