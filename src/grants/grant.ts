import type { Client } from '../clients/client.entity';
import type { User } from '../users/user.entity';
import type { GrantType, ResponseMode, ResponseType } from '../common/oauth-types';

/** Token endpoint parameters after the one-value-per-name check (RFC 6749 §3.2). */
export type TokenRequest = Readonly<Record<string, string | undefined>> & { grant_type: string };

/** RFC 6749 §5.1 successful response. `scope` is always included (§5.1 allows it; clients need not guess). */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: `DPoP` for a token bound to the client's DPoP key. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** OpenID Connect Core §3.1.3.3: with the `openid` scope. */
  id_token?: string;
}

/** Who sent the request a grant serves, for the audit trail: the endpoint tells the grant, which stays free of HTTP. */
export interface Caller {
  /** The client IP as the server sees it (`request.ip`: behind a proxy, only with TRUST_PROXY). */
  ip: string | null;
  /** RFC 9449: the thumbprint of the key a valid DPoP proof of this request was signed with; tokens are bound to it. */
  dpopJkt?: string | null;
}

/** A grant the token endpoint serves, keyed by `grant_type`. */
export interface TokenGrant {
  readonly grantType: GrantType;
  /** False when configuration turns the grant off server-wide. */
  readonly enabled: boolean;
  handle(request: TokenRequest, client: Client, caller: Caller): Promise<TokenResponse>;
}

/** An authorization request whose client and redirect URI are verified (RFC 6749 §3.1, §3.1.2). */
export interface AuthorizationRequest {
  clientId: string;
  responseType: ResponseType;
  redirectUri: string;
  /** Whether the request carried redirect_uri (then §4.1.3 requires it again at the token endpoint). */
  redirectUriSent: boolean;
  scope: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
  /** RFC 8707: the resources the request named (registered ones); absent: not restricted. */
  resources?: string[];
  /** OpenID Connect Core §3.1.2.1 parameters, read only for an `openid` request. */
  oidc?: OidcRequestParams;
  /** Where the response goes (the request's response_mode); absent: the grant's own (`responseMode`). */
  responseMode?: ResponseMode;
  /**
   * RFC 9449 §10: the JWK SHA-256 thumbprint the code is bound to (the request's `dpop_jkt`, or the
   * key of the DPoP proof sent with the pushed request); the code is redeemed only with a proof of that key.
   */
  dpopJkt?: string;
}

/** What an `openid` authorization request asks of the sign-in and consent steps. */
export interface OidcRequestParams {
  prompt?: Array<'none' | 'login' | 'consent' | 'select_account'>;
  /** Seconds: an older sign-in must be repeated. */
  maxAge?: number;
  loginHint?: string;
  /** `sub` of a verified id_token_hint. */
  idTokenHintSub?: string;
}

/** A grant the authorization endpoint serves, keyed by `response_type`. */
export interface AuthorizationGrant {
  readonly responseType: ResponseType;
  readonly enabled: boolean;
  /** `query` (§4.1.2) or `fragment` (§4.2.2): where results and errors go unless the request asks for another response_mode. */
  readonly responseMode: 'query' | 'fragment';
  /** Checks the grant's own parameters (PKCE, …); throws OAuthError (the caller adds the redirect). */
  validate(params: Readonly<Record<string, string | undefined>>, client: Client): Pick<AuthorizationRequest, 'codeChallenge' | 'codeChallengeMethod'>;
  /** The resource owner approved: the parameters to send back to the redirect URI. */
  authorize(request: AuthorizationRequest, user: User, authTime: number, client: Client, caller: Caller): Promise<Record<string, string>>;
}
