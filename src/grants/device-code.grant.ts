/**
 * Device Authorization Grant (RFC 8628). A device without a browser (a TV, a CLI) gets a device
 * code and a user code (§3.1, §3.2); the user enters the user code at /device, signs in and
 * approves; meanwhile the device polls the token endpoint (§3.4, §3.5) and gets its tokens once.
 * Polling faster than the interval is answered slow_down and the interval grows by 5 seconds.
 */
import { Injectable } from '@nestjs/common';
import { clientOidcDefaults } from '../clients/client-metadata';
import { Client, clientRules } from '../clients/client.entity';
import { DEVICE_CODE_GRANT_TYPE, parseScope } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { DeviceCodesService } from '../device-codes/device-codes.service';
import { IdTokenService } from '../keys/id-token.service';
import { ThrottleService } from '../throttle/throttle.service';
import { TokensService } from '../tokens/tokens.service';
import { UsersService } from '../users/users.service';
import { AuditService } from '../audit/audit.service';
import { Caller, TokenGrant, TokenRequest, TokenResponse } from './grant';
import { OAuthError } from './oauth-error';
import { resolveScope } from './scope';
import { toTokenResponse } from './token-response';

/** The device authorization endpoint's answer (§3.2). */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

@Injectable()
export class DeviceCodeGrant implements TokenGrant {
  readonly grantType = DEVICE_CODE_GRANT_TYPE;
  readonly enabled: boolean;

  constructor(
    private readonly deviceCodes: DeviceCodesService,
    private readonly tokens: TokensService,
    private readonly users: UsersService,
    private readonly throttle: ThrottleService,
    private readonly idTokens: IdTokenService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.enabled = config.deviceGrantEnabled;
  }

  /** §3.1, §3.2: the device asks; confidential clients have authenticated, public ones named themselves. */
  async authorizeDevice(params: Readonly<Record<string, string | undefined>>, client: Client): Promise<DeviceAuthorizationResponse> {
    if (!clientRules.allowsGrantType(client, this.grantType)) throw OAuthError.unauthorizedClient('this client may not use the device authorization grant');
    const scope = resolveScope(params.scope, client.metadata.scope);
    const issued = await this.deviceCodes.issue(client.clientId, scope);
    const verificationUri = `${this.config.issuer}/device`;
    return {
      device_code: issued.deviceCode,
      user_code: issued.userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${issued.userCode}`,
      expires_in: issued.expiresIn,
      interval: issued.interval,
    };
  }

  /** §3.4, §3.5: one poll. */
  async handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse> {
    if (!request.device_code) throw OAuthError.invalidRequest('device_code is required');
    const row = await this.deviceCodes.findByDeviceCode(request.device_code);
    // §3.4: the device code must have been issued to the client polling with it.
    if (!row || row.clientId !== client.clientId) throw OAuthError.invalidGrant('device code is invalid');
    if (row.status === 'used') throw OAuthError.invalidGrant('device code was already used');
    if (this.deviceCodes.isExpired(row)) throw new OAuthError('expired_token', 'the device code has expired; start again');
    if (row.status === 'denied') throw OAuthError.accessDenied('the user denied the request');
    if (!(await this.deviceCodes.recordPoll(row))) throw new OAuthError('slow_down', 'polling too fast; wait 5 seconds longer between requests');
    if (row.status === 'pending') throw new OAuthError('authorization_pending', 'the user has not answered yet');

    // Approved. The user may have been deleted or locked out since: no tokens for them then.
    const user = row.userId !== null ? await this.users.findById(row.userId) : null;
    if (!user) throw OAuthError.invalidGrant('the user who approved this request no longer exists');
    if (await this.throttle.accountLocked('password', user.usernameCanonical)) throw OAuthError.invalidGrant('the account is locked');
    const issued = await this.deviceCodes.redeem(row, () =>
      this.tokens.issue({
        clientId: client.clientId,
        userId: user.id,
        scope: row.scope,
        withRefreshToken: clientRules.allowsGrantType(client, 'refresh_token'),
        grantType: this.grantType,
        format: clientOidcDefaults.accessTokenFormat(client.metadata),
        ip: caller.ip,
        jkt: caller.dpopJkt,
      }),
    );
    if (!issued) {
      this.audit.record({ type: 'device_code.replayed', clientId: client.clientId, userId: user.id, ip: caller.ip });
      throw OAuthError.invalidGrant('device code was already used');
    }
    const response = toTokenResponse(issued);
    if (parseScope(row.scope).includes('openid')) {
      response.id_token = await this.idTokens.issue({
        clientId: client.clientId,
        alg: clientOidcDefaults.idTokenAlg(client.metadata),
        userId: user.id,
        authTime: row.authTime,
        accessToken: issued.accessToken,
      });
    }
    return response;
  }
}
