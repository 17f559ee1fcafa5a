import { Injectable } from '@nestjs/common';
import { Client, clientRules } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { AuthorizationRequest, Caller, OidcRequestParams } from '../grants/grant';
import { IdTokenService } from '../keys/id-token.service';
import { Clock } from '../common/clock';
import { RESPONSE_MODES, ResponseMode, parseScope } from '../common/oauth-types';
import { GrantRegistry } from '../grants/grant-registry';
import { resolveScope } from '../grants/scope';
import { User } from '../users/user.entity';
import { ResponseType } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { Params } from '../web/form-params';
import { OAuthError } from '../grants/oauth-error';
import { matchRedirectUri } from '../grants/redirect-uri';
import { AuthorizationResponse } from './authorization-response';
import { ResourceServersService } from '../resources/resource-servers.service';
import { ClientMetadataDocumentError, ClientMetadataDocuments } from '../registration/client-metadata-documents';

/** Unverifiable client or redirect URI: the server shows the error itself (§4.1.2.1). */
export class UnverifiableRequestError extends OAuthError {
  constructor(description: string) {
    super('invalid_request', description);
  }
}

const MAX_STATE = 2048;
/** A base64url SHA-256 digest, unpadded (RFC 7638 thumbprint, RFC 9449 §10 dpop_jkt). */
export const DPOP_JKT = /^[A-Za-z0-9_-]{43}$/;
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

/**
 * The response_mode a request may ask for, given its response type's own mode: form_post and
 * fragment for any, query only where the response type's own is query — OAuth 2.0 Multiple
 * Response Type Encoding Practices §5 forbids query for a response that carries tokens. Null for
 * any other value.
 */
function allowedResponseMode(requested: string | undefined, own: 'query' | 'fragment'): ResponseMode | null {
  if (!(RESPONSE_MODES as readonly string[]).includes(requested ?? '')) return null;
  return requested === 'query' && own !== 'query' ? null : (requested as ResponseMode);
}

/** The authorization endpoint's rules (RFC 6749 §3.1, §4.1.1, §4.2.1), independent of HTTP. */
@Injectable()
export class AuthorizeService {
  constructor(
    private readonly clients: ClientsService,
    private readonly registry: GrantRegistry,
    private readonly config: AppConfig,
    private readonly idTokens: IdTokenService,
    private readonly clock: Clock,
    private readonly resources: ResourceServersService,
    private readonly documents: ClientMetadataDocuments,
  ) {}

  /**
   * Verifies client_id and redirect_uri first; until both are verified every error is shown as a
   * page, never redirected. Then checks the rest and returns the request, or throws an OAuthError
   * that carries the verified redirect. `repeated` names parameters sent more than once (§3.1).
   */
  async parse(params: Params, repeated: readonly string[] = [], options: { pushed?: boolean; ip?: string | null } = {}): Promise<{ client: Client; request: AuthorizationRequest }> {
    const unverifiable = repeated.find((name) => name === 'client_id' || name === 'redirect_uri');
    if (unverifiable) throw new UnverifiableRequestError(`parameter "${unverifiable}" is repeated`);
    if (!params.client_id) throw new UnverifiableRequestError('client_id is missing');
    const client = this.documents.names(params.client_id) ? await this.documentClient(params.client_id, options.ip ?? null) : await this.clients.findByClientId(params.client_id);
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
    const ownMode = grant?.responseMode ?? (FRAGMENT_TYPES.includes(responseType ?? '') ? ('fragment' as const) : ('query' as const));
    // Form Post Response Mode §2: a response_mode the request may use applies to its error responses too.
    const requestedMode = repeated.includes('response_mode') ? null : allowedResponseMode(params.response_mode, ownMode);
    const redirect = { redirectUri, state, responseMode: requestedMode ?? ownMode, iss: this.config.issuer };
    // A client the operator has not vetted (a console user's) may have registered any target: a
    // malformed request, made before the user did anything, shows the error page rather than
    // sending the browser there (RFC 9700 §4.11.2, open redirector).
    const fail = (err: OAuthError) => (client.vetted ? err.withRedirect(redirect) : err);

    // §4.1.2.1: "includes a parameter more than once" is invalid_request, sent to the verified redirect.
    if (repeated.length) throw fail(OAuthError.invalidRequest(`parameter "${repeated[0].slice(0, 40)}" is repeated`));
    if (stateTooLong) throw fail(OAuthError.invalidRequest('state is too long'));
    // OpenID Connect Core §6: a request object must not be silently ignored (its state and nonce would be lost).
    if (params.request !== undefined) throw fail(OAuthError.requestNotSupported());
    if (params.request_uri !== undefined) throw fail(OAuthError.requestUriNotSupported());
    // RFC 9126 §5, §6: the server or this client accepts only pushed requests.
    if (!options.pushed && (this.config.parRequired || client.metadata.require_pushed_authorization_requests === true)) {
      throw fail(OAuthError.invalidRequest('this client must push its authorization requests first (pushed_authorization_request_endpoint)'));
    }
    if (!params.response_type) throw fail(OAuthError.invalidRequest('response_type is required'));
    if (!grant) throw fail(OAuthError.unsupportedResponseType());
    if (!clientRules.allowsResponseType(client, grant.responseType)) {
      throw fail(OAuthError.unauthorizedClient(`this client may not use response_type ${grant.responseType}`));
    }
    // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: a response_mode this server cannot
    // honour, or one §5 forbids (query for tokens), is refused, never ignored: the client would
    // wait for an answer in a place it never comes to.
    if (params.response_mode !== undefined && !requestedMode) {
      const reason =
        params.response_mode === 'query'
          ? `response_mode query is not allowed for response_type ${grant.responseType}, which returns tokens (use fragment or form_post)`
          : `response_mode "${params.response_mode.slice(0, 40)}" is not supported (supported: ${RESPONSE_MODES.join(', ')})`;
      throw fail(OAuthError.invalidRequest(reason));
    }
    try {
      const scope = resolveScope(params.scope, client.metadata.scope);
      const pkce = grant.validate(params, client);
      const resources = await this.resources.resolve(params.resource);
      const oidc = parseScope(scope).includes('openid') ? await this.oidcParams(params, client.clientId) : undefined;
      const dpopJkt = this.dpopJkt(params.dpop_jkt);
      const request: AuthorizationRequest = {
        clientId: client.clientId,
        responseType: grant.responseType,
        redirectUri,
        redirectUriSent: params.redirect_uri !== undefined,
        scope,
        ...(state !== undefined ? { state } : {}),
        ...(params.nonce !== undefined ? { nonce: params.nonce.slice(0, 255) } : {}),
        ...pkce,
        ...(resources ? { resources } : {}),
        ...(oidc ? { oidc } : {}),
        ...(requestedMode && requestedMode !== grant.responseMode ? { responseMode: requestedMode } : {}),
        ...(dpopJkt ? { dpopJkt } : {}),
      };
      return { client, request };
    } catch (err) {
      if (err instanceof OAuthError) throw fail(err);
      throw err;
    }
  }

  /**
   * RFC 9449 §10: `dpop_jkt`, the JWK SHA-256 thumbprint (RFC 7638) of the key the code is to be bound
   * to: 43 base64url characters. Ignored, as any unknown parameter, when DPoP is off.
   */
  private dpopJkt(value: string | undefined): string | undefined {
    if (value === undefined || !this.config.dpopEnabled) return undefined;
    if (!DPOP_JKT.test(value)) throw OAuthError.invalidRequest('dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters)');
    return value;
  }

  /** A client named by its metadata document URL; any problem with the document is shown as a page, never redirected. */
  private async documentClient(url: string, ip: string | null): Promise<Client> {
    try {
      return await this.documents.resolve(url, ip);
    } catch (err) {
      if (err instanceof ClientMetadataDocumentError) throw new UnverifiableRequestError(err.message);
      throw err;
    }
  }

  /**
   * OpenID Connect Core §3.1.2.1: prompt, max_age, login_hint and id_token_hint. Requests without
   * `openid` never get here, so OAuth clients see no change.
   */
  private async oidcParams(params: Params, clientId: string): Promise<OidcRequestParams> {
    const oidc: OidcRequestParams = {};
    if (params.prompt !== undefined) {
      const prompt = [...new Set(params.prompt.split(' ').filter(Boolean))];
      const unknown = prompt.find((p) => !['none', 'login', 'consent', 'select_account'].includes(p));
      if (unknown !== undefined) throw OAuthError.invalidRequest(`prompt value "${unknown.slice(0, 40)}" is not supported`);
      if (prompt.includes('none') && prompt.length > 1) throw OAuthError.invalidRequest('prompt=none cannot be combined with other values');
      oidc.prompt = prompt as OidcRequestParams['prompt'];
    }
    if (params.max_age !== undefined) {
      if (!/^\d{1,9}$/.test(params.max_age)) throw OAuthError.invalidRequest('max_age must be a non-negative integer');
      oidc.maxAge = Number(params.max_age);
    }
    if (params.login_hint !== undefined) oidc.loginHint = params.login_hint.slice(0, 255);
    if (params.id_token_hint !== undefined) {
      const hint = await this.idTokens.verifyHint(params.id_token_hint);
      if (!hint || !hint.aud.includes(clientId)) throw OAuthError.invalidRequest('id_token_hint is not an ID token this server issued to this client');
      oidc.idTokenHintSub = hint.sub;
    }
    return oidc;
  }

  /**
   * Whether the user must sign in (again) before this request goes on: no session, prompt=login,
   * a sign-in older than max_age. Answers the sign-in page's URL, or null. With prompt=none, or
   * when id_token_hint names another user than the signed-in one, throws login_required to the client.
   */
  loginRedirect(request: AuthorizationRequest, requestUrl: string, session: { userId: number; authTime: number } | null): string | null {
    const oidc = request.oidc;
    let needed = session === null;
    if (session && oidc) {
      if (oidc.prompt?.includes('login')) needed = true;
      if (oidc.maxAge !== undefined && this.clock.now() - session.authTime > oidc.maxAge) needed = true;
      // §3.1.2.1: the hinted user is not the one signed in; the RP learns so instead of a silent switch.
      if (oidc.idTokenHintSub !== undefined && oidc.idTokenHintSub !== String(session.userId)) {
        throw OAuthError.loginRequired('the signed-in user is not the one id_token_hint names').withRedirect(this.redirectOf(request));
      }
    }
    if (!needed) return null;
    if (oidc?.prompt?.includes('none')) throw OAuthError.loginRequired().withRedirect(this.redirectOf(request));
    // After signing in the request comes back without prompt=login, or it would ask forever.
    const returnTo = new URL(requestUrl, 'http://localhost');
    const prompt = (returnTo.searchParams.get('prompt') ?? '').split(' ').filter((p) => p && p !== 'login');
    if (prompt.length) returnTo.searchParams.set('prompt', prompt.join(' '));
    else returnTo.searchParams.delete('prompt');
    const hint = oidc?.loginHint ? `&login_hint=${encodeURIComponent(oidc.loginHint)}` : '';
    return `/login?return_to=${encodeURIComponent(returnTo.pathname + returnTo.search)}${hint}`;
  }

  /**
   * Whether the consent page must be shown: not remembered, or prompt=consent (Core §3.1.2.1).
   * With prompt=none it cannot be, so consent_required goes to the client.
   */
  mustAskConsent(request: AuthorizationRequest, remembered: boolean): boolean {
    const ask = !remembered || request.oidc?.prompt?.includes('consent') === true;
    if (ask && request.oidc?.prompt?.includes('none')) throw OAuthError.consentRequired().withRedirect(this.redirectOf(request));
    return ask;
  }

  private redirectOf(request: AuthorizationRequest) {
    return { redirectUri: request.redirectUri, state: request.state, responseMode: this.responseModeOf(request), iss: this.config.issuer };
  }

  /** The request's response_mode, or its grant's own (also for a request saved before it carried one). */
  private responseModeOf(request: AuthorizationRequest): ResponseMode {
    return request.responseMode ?? this.grantFor(request.responseType).responseMode;
  }

  /** The user approved: the response to send the browser back with, the code or token (and RFC 9207 `iss`). */
  async approve(request: AuthorizationRequest, user: User, authTime: number, caller: Caller): Promise<AuthorizationResponse> {
    const grant = this.grantFor(request.responseType);
    const client = await this.clients.findByClientId(request.clientId);
    if (!client) throw new UnverifiableRequestError('the client is no longer registered');
    const result = await grant.authorize(request, user, authTime, client, caller);
    return { redirectUri: request.redirectUri, responseMode: this.responseModeOf(request), params: { ...result, iss: this.config.issuer } };
  }

  /** The user refused (§4.1.2.1 access_denied). */
  deny(request: AuthorizationRequest): AuthorizationResponse {
    return {
      redirectUri: request.redirectUri,
      responseMode: this.responseModeOf(request),
      params: { error: 'access_denied', error_description: 'the resource owner denied the request', state: request.state, iss: this.config.issuer },
    };
  }

  private grantFor(responseType: ResponseType) {
    const grant = this.registry.authorizationGrant(responseType);
    if (!grant) throw OAuthError.unsupportedResponseType();
    return grant;
  }
}
