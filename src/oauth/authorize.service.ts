import { Injectable } from '@nestjs/common';
import { Client, clientRules } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { AuthorizationRequest } from '../grants/grant';
import { GrantRegistry } from '../grants/grant-registry';
import { resolveScope } from '../grants/scope';
import { User } from '../users/user.entity';
import { ResponseType } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { Params } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { buildRedirect, matchRedirectUri } from '../grants/redirect-uri';

/** Unverifiable client or redirect URI: the server shows the error itself (§4.1.2.1). */
export class UnverifiableRequestError extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description);
  }
}

const MAX_STATE = 2048;
const FRAGMENT_TYPES: readonly string[] = ['token', 'id_token', 'id_token token'];

/**
 * RFC 6749 §3.1.1: response_type values of several words are order-insensitive, so
 * `token id_token` is `id_token token`. Unknown combinations pass through unchanged.
 */
function normalizeResponseType(raw: string | undefined): string | undefined {
  if (!raw) return raw;
  const words = raw.split(' ').filter(Boolean).sort();
  return words.length === 2 && words[0] === 'id_token' && words[1] === 'token' ? 'id_token token' : raw;
}

/** The authorization endpoint's rules (RFC 6749 §3.1, §4.1.1, §4.2.1), independent of HTTP. */
@Injectable()
export class AuthorizeService {
  constructor(
    private readonly clients: ClientsService,
    private readonly registry: GrantRegistry,
    private readonly config: AppConfig,
  ) {}

  /**
   * Verifies client_id and redirect_uri first; until both are verified every error is shown as a
   * page, never redirected. Then checks the rest and returns the request, or throws an OAuthError
   * that carries the verified redirect. `repeated` names parameters sent more than once (§3.1).
   */
  async parse(params: Params, repeated: readonly string[] = []): Promise<{ client: Client; request: AuthorizationRequest }> {
    const unverifiable = repeated.find((name) => name === 'client_id' || name === 'redirect_uri');
    if (unverifiable) throw new UnverifiableRequestError(`parameter "${unverifiable}" is repeated`);
    if (!params.client_id) throw new UnverifiableRequestError('client_id is missing');
    const client = await this.clients.findByClientId(params.client_id);
    if (!client) throw new UnverifiableRequestError('unknown client_id');
    const registered = client.metadata.redirect_uris;
    let redirectUri: string | null;
    if (params.redirect_uri === undefined) {
      // §3.1.2.3: may be omitted only when exactly one is registered.
      if (registered.length !== 1) throw new UnverifiableRequestError('redirect_uri is required for this client');
      redirectUri = registered[0];
    } else {
      redirectUri = matchRedirectUri(params.redirect_uri, registered);
      if (!redirectUri) throw new UnverifiableRequestError('redirect_uri is not registered for this client');
    }

    // A repeated state has no one value to send back, and an overlong one is not echoed.
    const stateTooLong = params.state !== undefined && params.state.length > MAX_STATE;
    const state = repeated.includes('state') || stateTooLong ? undefined : params.state;
    const responseType = normalizeResponseType(params.response_type);
    const grant = responseType ? this.registry.authorizationGrant(responseType) : undefined;
    // §4.2.2.1: response_type=token asks for fragment answers, unsupported_response_type included,
    // even when no enabled grant serves it (IMPLICIT_ENABLED=false); so do OpenID Connect's id_token types.
    const responseMode = grant?.responseMode ?? (FRAGMENT_TYPES.includes(responseType ?? '') ? ('fragment' as const) : ('query' as const));
    const redirect = { redirectUri, state, responseMode, iss: this.config.issuer };
    const fail = (err: OAuthError) => err.withRedirect(redirect);

    // §4.1.2.1: "includes a parameter more than once" is invalid_request, sent to the verified redirect.
    if (repeated.length) throw fail(OAuthError.invalidRequest(`parameter "${repeated[0].slice(0, 40)}" is repeated`));
    if (stateTooLong) throw fail(OAuthError.invalidRequest('state is too long'));
    if (!params.response_type) throw fail(OAuthError.invalidRequest('response_type is required'));
    if (!grant) throw fail(OAuthError.unsupportedResponseType());
    if (!clientRules.allowsResponseType(client, grant.responseType)) {
      throw fail(OAuthError.unauthorizedClient(`this client may not use response_type ${grant.responseType}`));
    }
    try {
      const scope = resolveScope(params.scope, client.metadata.scope);
      const pkce = grant.validate(params, client);
      const request: AuthorizationRequest = {
        clientId: client.clientId,
        responseType: grant.responseType,
        redirectUri,
        redirectUriSent: params.redirect_uri !== undefined,
        scope,
        ...(state !== undefined ? { state } : {}),
        ...(params.nonce !== undefined ? { nonce: params.nonce.slice(0, 255) } : {}),
        ...pkce,
      };
      return { client, request };
    } catch (err) {
      if (err instanceof OAuthError) throw fail(err);
      throw err;
    }
  }

  /** The user approved: the URL to send the browser to, with the code or token (and RFC 9207 `iss`). */
  async approve(request: AuthorizationRequest, user: User, authTime: number): Promise<string> {
    const grant = this.grantFor(request.responseType);
    const client = await this.clients.findByClientId(request.clientId);
    if (!client) throw new UnverifiableRequestError('the client is no longer registered');
    const result = await grant.authorize(request, user, authTime, client);
    return buildRedirect(request.redirectUri, grant.responseMode, { ...result, iss: this.config.issuer });
  }

  /** The user refused (§4.1.2.1 access_denied). */
  denyRedirect(request: AuthorizationRequest): string {
    return buildRedirect(request.redirectUri, this.grantFor(request.responseType).responseMode, {
      error: 'access_denied',
      error_description: 'the resource owner denied the request',
      state: request.state,
      iss: this.config.issuer,
    });
  }

  private grantFor(responseType: ResponseType) {
    const grant = this.registry.authorizationGrant(responseType);
    if (!grant) throw OAuthError.unsupportedResponseType();
    return grant;
  }
}
