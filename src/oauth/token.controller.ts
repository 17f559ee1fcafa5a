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

/** Token endpoint (RFC 6749 §3.2): authenticate the client, pick the grant, let it decide. */
@ApiExcludeController()
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly registry: GrantRegistry,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

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
    if (grant.grantType === 'password') return this.passwordGrant(grant, params as TokenRequest, client, req.ip);
    return grant.handle(params as TokenRequest, client, { ip: req.ip });
  }

  /**
   * The password grant guesses like the sign-in page does, so it shares its counters (per account,
   * per account and IP, per IP). The grant stays free of HTTP: the throttling wraps it here.
   */
  private async passwordGrant(grant: TokenGrant, params: TokenRequest, client: Client, ip: string): Promise<TokenResponse> {
    // Counters and the audit log know the account by its canonical name, whatever the spelling.
    const username = usernameSubject(params.username);
    const attempt = await this.throttle.begin('password', username, ip);
    const lockedOut = (retryAfter: number) => {
      this.audit.record({ type: 'sign_in.locked_out', clientId: client.clientId, ip, detail: { via: 'password_grant', username, retry_after: retryAfter } });
      return OAuthError.tooManyAttempts(retryAfter);
    };
    if (attempt.retryAfter > 0) throw lockedOut(attempt.retryAfter);
    try {
      const response = await grant.handle(params, client, { ip });
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
