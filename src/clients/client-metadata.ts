import { JsonWebKey, createPublicKey } from 'node:crypto';
import {
  ACCESS_TOKEN_FORMATS,
  AccessTokenFormat,
  GRANT_TYPES,
  ID_TOKEN_SIGNING_ALGS,
  IdTokenSigningAlg,
  GrantType,
  RESPONSE_TYPES,
  ResponseType,
  SCOPES_SUPPORTED,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TokenEndpointAuthMethod,
  parseScope,
} from '../common/oauth-types';

/** RFC 7591 §2 client metadata as stored in `oauth2_client.client_metadata`, plus our two flags. */
export interface ClientMetadata {
  client_name: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  scope: string;
  redirect_uris: string[];
  grant_types: GrantType[];
  response_types: ResponseType[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** First-party client: never asks for consent. */
  skip_consent: boolean;
  /** Resource server: may introspect every client's tokens (RFC 7662 §4). */
  introspection: boolean;
  /**
   * Browser origins (`scheme://host[:port]`) whose pages may call the token and revocation
   * endpoints (Hydra's name). Empty: for a public client the origins of its redirect URIs.
   * Absent on clients registered before it existed, which reads as empty.
   */
  allowed_cors_origins: string[];
  /** OpenID Connect RP-Initiated Logout §3.1: where the end-session endpoint may send the browser back. */
  post_logout_redirect_uris: string[];
  /** `opaque` (default) or `jwt` (RFC 9068). */
  access_token_format: AccessTokenFormat;
  /** OpenID Connect Registration §2: the ID token's JWS algorithm (default RS256). */
  id_token_signed_response_alg: IdTokenSigningAlg;
  /** RFC 7591 §2: the software's identifier and version, as the developer names them. */
  software_id?: string;
  software_version?: string;
  /** OpenID Connect Registration §2: `web` (default) or `native`. */
  application_type?: 'web' | 'native';
  /** RFC 9126 §6: this client's authorization requests must be pushed (PAR). Stored only when true. */
  require_pushed_authorization_requests?: boolean;
  /**
   * OpenID Connect Core §5.4 puts the profile and email claims in userinfo when an access token is
   * issued; true puts the granted ones in the ID token as well, for relying parties that read only
   * the ID token (Auth.js). Stored only when true.
   */
  id_token_claims?: boolean;
  /** RFC 9449 §5.2: this client's access tokens must be DPoP-bound. Stored only when true. */
  dpop_bound_access_tokens?: boolean;
  /** RFC 7591 §2: the client's public keys (private_key_jwt), by value … */
  jwks?: { keys: Array<Record<string, unknown>> };
  /** … or by reference: an https URL the server fetches (and caches). */
  jwks_uri?: string;
}

/**
 * What a client that registered itself (RFC 7591 dynamic registration, a metadata document) may
 * be: no operator vouches for it, so it gets the code flow only, scopes within the configured set,
 * and never the operator-only flags.
 */
export interface SelfRegistrationPolicy {
  scopes: readonly string[];
}

const SELF_REGISTERED_GRANTS: readonly string[] = ['authorization_code', 'refresh_token'];

/** The fields a self-registered client may not have, each with a reason (empty when it may register). */
export function selfRegistrationProblems(input: ClientMetadataInput, policy: SelfRegistrationPolicy): Record<string, string> {
  const errors: Record<string, string> = {};
  const badGrant = input.grant_types?.find((g) => !SELF_REGISTERED_GRANTS.includes(g));
  if (badGrant !== undefined) errors.grant_types = `a self-registered client may use only authorization_code and refresh_token, not "${String(badGrant).slice(0, 40)}"`;
  const badResponse = input.response_types?.find((r) => r !== 'code');
  if (badResponse !== undefined) errors.response_types = 'a self-registered client may use only response type "code"';
  if (input.scope !== undefined) {
    const badScope = parseScope(input.scope).find((s) => !policy.scopes.includes(s));
    if (badScope !== undefined) errors.scope = `scope "${badScope.slice(0, 64)}" is not available to self-registered clients (allowed: ${policy.scopes.join(' ')})`;
  }
  if (input.skip_consent) errors.skip_consent = 'only the operator may let a client skip consent';
  if (input.introspection) errors.introspection = 'only the operator may let a client introspect other clients\' tokens';
  return errors;
}

/** The most keys a registered key set may hold. */
const MAX_JWKS_KEYS = 10;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Why a key set may not be registered, or null: RFC 7517 public keys only (RSA, EC, OKP). */
export function jwksProblem(jwks: unknown): string | null {
  if (!jwks || typeof jwks !== 'object' || Array.isArray(jwks)) return 'must be a JWK Set: {"keys": [...]}';
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'must be a JWK Set with at least one key in "keys"';
  if (keys.length > MAX_JWKS_KEYS) return `may hold at most ${MAX_JWKS_KEYS} keys`;
  for (const key of keys) {
    if (!key || typeof key !== 'object' || Array.isArray(key)) return 'each key must be a JWK object';
    const jwk = key as Record<string, unknown>;
    if (!['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) return 'each key must have kty RSA, EC or OKP';
    if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) return 'must hold public keys only (a private or symmetric key was sent)';
  }
  if (JSON.stringify(jwks).length > 20_000) return 'is too large';
  return null;
}

/** RFC 7518 §3.3: RSA keys for RS256 and its kin have 2048 bits or more. */
const MIN_RSA_BITS = 2048;

/**
 * Why a registered key set (already shaped as jwksProblem wants) holds a key that cannot be used,
 * or null: each key must import as a public key (RSA of MIN_RSA_BITS at least), so that a typo in a
 * coordinate is refused at registration rather than found at the client's first sign-in as an
 * unexplained invalid_client.
 */
function unusableKeyProblem(jwks: { keys: Array<Record<string, unknown>> }): string | null {
  for (const [i, jwk] of jwks.keys.entries()) {
    let bits: number | undefined;
    try {
      bits = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
    } catch {
      return `keys[${i}] is not a valid ${String(jwk.kty)} public key (check its curve and coordinates, or n and e)`;
    }
    if (bits !== undefined && bits < MIN_RSA_BITS) return `keys[${i}] is an RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are needed`;
  }
  return null;
}

/** The OpenID Connect fields of a client stored before they existed read as their defaults. */
export const clientOidcDefaults = {
  accessTokenFormat: (m: Partial<ClientMetadata>): AccessTokenFormat => m.access_token_format ?? 'opaque',
  idTokenAlg: (m: Partial<ClientMetadata>): IdTokenSigningAlg => m.id_token_signed_response_alg ?? 'RS256',
  postLogoutRedirectUris: (m: Partial<ClientMetadata>): string[] => m.post_logout_redirect_uris ?? [],
};

export type ClientMetadataInput = Partial<ClientMetadata>;

/** The bad fields of a metadata document, each with a reason. */
export class ClientMetadataError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join('; '));
  }
}

export interface RedirectUriPolicy {
  allowLoopbackHttp: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** `uri` parsed, or why it is not an absolute URI without a fragment or user information. */
export function parseAbsoluteUri(uri: string): URL | string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain user information';
  return url;
}

/** RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1: why a redirect URI may not be registered, or null. */
export function redirectUriProblem(uri: string, policy: RedirectUriPolicy): string | null {
  const url = parseAbsoluteUri(uri);
  if (typeof url === 'string') return url;
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `scheme ${url.protocol} is not allowed`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    if (policy.allowLoopbackHttp && isLoopbackHost(url.hostname)) return null;
    return 'must use https (http only on a loopback host)';
  }
  // RFC 8252 §7.1: private-use schemes are reverse domain names, so they contain a dot.
  if (!url.protocol.slice(0, -1).includes('.')) return 'a private-use scheme must be a reverse domain name (e.g. com.example.app:/cb)';
  return null;
}

/**
 * Why a value may not be an allowed CORS origin, or null: it must be exactly an origin as a
 * browser sends it in `Origin` (no path, query, fragment, user information or default port), over
 * https, or http on a loopback host like redirect URIs.
 */
export function corsOriginProblem(origin: string, policy: RedirectUriPolicy): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return 'must be an origin such as https://app.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https (http only on a loopback host)';
  if (url.origin !== origin) return 'must be an origin as browsers send it: scheme://host[:port] in lower case, with no path, query or fragment';
  if (url.protocol === 'http:' && !(policy.allowLoopbackHttp && isLoopbackHost(url.hostname))) return 'must use https (http only on a loopback host)';
  return null;
}

/** The origin (`scheme://host[:port]`) of each http(s) URI, once each; other schemes have none. */
export function originsOf(uris: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const uri of uris) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // not a URL: no origin
    }
  }
  return [...origins];
}

function httpUrlProblem(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an absolute URL';
  }
}

/**
 * Applies RFC 7591 §2 defaults and checks a complete metadata document. Throws ClientMetadataError
 * naming every bad field.
 */
export function normalizeClientMetadata(input: ClientMetadataInput, policy: RedirectUriPolicy): ClientMetadata {
  const errors: Record<string, string> = {};

  // RFC 7591 §2: grant_types defaults to authorization_code, response_types to code, and the two agree.
  let grantTypes = input.grant_types ? [...new Set(input.grant_types)] : undefined;
  let responseTypes = input.response_types ? [...new Set(input.response_types)] : undefined;
  if (!grantTypes && !responseTypes) {
    grantTypes = ['authorization_code'];
    responseTypes = ['code'];
  } else if (!grantTypes) {
    grantTypes = [];
    if (responseTypes!.includes('code')) grantTypes.push('authorization_code');
    if (responseTypes!.some((r) => r !== 'code')) grantTypes.push('implicit');
  } else if (!responseTypes) {
    responseTypes = [];
    if (grantTypes.includes('authorization_code')) responseTypes.push('code');
    if (grantTypes.includes('implicit')) responseTypes.push('token');
  }
  const grants = grantTypes!;
  const responses = responseTypes!;
  const badGrant = grants.find((g) => !GRANT_TYPES.includes(g));
  if (badGrant !== undefined) errors.grant_types = `unsupported grant type "${badGrant}"`;
  const badResponse = responses.find((r) => !RESPONSE_TYPES.includes(r));
  if (badResponse !== undefined) errors.response_types = `unsupported response type "${badResponse}"`;
  if (!errors.grant_types && !errors.response_types) {
    if (responses.includes('code') !== grants.includes('authorization_code')) {
      errors.response_types = 'response type "code" and grant type "authorization_code" go together';
    } else if (responses.some((r) => r !== 'code') !== grants.includes('implicit')) {
      errors.response_types = responses.some((r) => r.startsWith('id_token'))
        ? 'response types "token", "id_token" and "id_token token" go with grant type "implicit"'
        : 'response type "token" and grant type "implicit" go together';
    }
  }
  if (grants.length === 0) errors.grant_types = 'at least one grant type is required';

  const authMethod = input.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!TOKEN_ENDPOINT_AUTH_METHODS.includes(authMethod)) {
    errors.token_endpoint_auth_method = `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`;
  } else if (authMethod === 'none' && grants.includes('client_credentials')) {
    // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
    errors.grant_types = 'a public client (token_endpoint_auth_method "none") may not use client_credentials';
  }

  const redirectUris = input.redirect_uris ? [...new Set(input.redirect_uris)] : [];
  const needsRedirect = grants.includes('authorization_code') || grants.includes('implicit');
  if (needsRedirect && redirectUris.length === 0) {
    errors.redirect_uris = 'at least one redirect URI is required for the authorization_code and implicit grants';
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri, policy);
    if (problem) {
      errors.redirect_uris = `"${uri.slice(0, 200)}" ${problem}`;
      break;
    }
  }

  const corsOrigins = input.allowed_cors_origins ? [...new Set(input.allowed_cors_origins)] : [];
  for (const origin of corsOrigins) {
    const problem = corsOriginProblem(origin, policy);
    if (problem) {
      errors.allowed_cors_origins = `"${origin.slice(0, 200)}" ${problem}`;
      break;
    }
  }
  const postLogoutUris = input.post_logout_redirect_uris ? [...new Set(input.post_logout_redirect_uris)] : [];
  for (const uri of postLogoutUris) {
    const problem = redirectUriProblem(uri, policy);
    if (problem) {
      errors.post_logout_redirect_uris = `"${uri.slice(0, 200)}" ${problem}`;
      break;
    }
  }
  // RFC 7591 §2: jwks and jwks_uri are mutually exclusive; private_key_jwt needs one of them.
  if (input.jwks !== undefined && input.jwks_uri !== undefined && input.jwks_uri !== '') errors.jwks = 'send either jwks or jwks_uri, not both';
  else if (input.jwks !== undefined) {
    const problem = jwksProblem(input.jwks) ?? unusableKeyProblem(input.jwks);
    if (problem) errors.jwks = problem;
  } else if (input.jwks_uri !== undefined && input.jwks_uri !== '') {
    const problem = redirectUriProblem(input.jwks_uri, policy);
    if (problem || !/^https?:/.test(input.jwks_uri)) errors.jwks_uri = problem ?? 'must be an https URL';
  }
  if (authMethod === 'private_key_jwt' && input.jwks === undefined && !input.jwks_uri && !errors.jwks) {
    errors.jwks = 'private_key_jwt needs the client\'s public keys: jwks or jwks_uri';
  }
  const accessTokenFormat = clientOidcDefaults.accessTokenFormat(input);
  if (!ACCESS_TOKEN_FORMATS.includes(accessTokenFormat)) errors.access_token_format = `must be one of ${ACCESS_TOKEN_FORMATS.join(', ')}`;
  const idTokenAlg = clientOidcDefaults.idTokenAlg(input);
  if (!ID_TOKEN_SIGNING_ALGS.includes(idTokenAlg)) errors.id_token_signed_response_alg = `must be one of ${ID_TOKEN_SIGNING_ALGS.join(', ')}`;

  const scopes = input.scope === undefined ? ['profile'] : parseScope(input.scope);
  const unknownScope = scopes.find((s) => !SCOPES_SUPPORTED.includes(s));
  if (unknownScope !== undefined) errors.scope = `unknown scope "${unknownScope.slice(0, 64)}" (supported: ${SCOPES_SUPPORTED.join(' ')})`;

  for (const field of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const) {
    const value = input[field];
    if (value !== undefined && value !== '') {
      const problem = httpUrlProblem(value);
      if (problem) errors[field] = problem;
    }
  }

  const clientName = input.client_name?.trim();
  if (!clientName) errors.client_name = 'must not be empty';
  if (input.application_type !== undefined && input.application_type !== 'web' && input.application_type !== 'native') {
    errors.application_type = 'must be web or native';
  }

  if (Object.keys(errors).length > 0) throw new ClientMetadataError(errors);

  const metadata: ClientMetadata = {
    client_name: clientName!,
    scope: scopes.join(' '),
    redirect_uris: redirectUris,
    grant_types: grants,
    response_types: responses,
    token_endpoint_auth_method: authMethod,
    skip_consent: input.skip_consent ?? false,
    introspection: input.introspection ?? false,
    allowed_cors_origins: corsOrigins,
    post_logout_redirect_uris: postLogoutUris,
    access_token_format: accessTokenFormat,
    id_token_signed_response_alg: idTokenAlg,
  };
  for (const field of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const) {
    if (input[field]) metadata[field] = input[field];
  }
  if (input.contacts?.length) metadata.contacts = input.contacts;
  for (const field of ['software_id', 'software_version', 'application_type'] as const) {
    if (input[field]) (metadata as unknown as Record<string, string>)[field] = input[field];
  }
  if (input.require_pushed_authorization_requests === true) metadata.require_pushed_authorization_requests = true;
  if (input.id_token_claims === true) metadata.id_token_claims = true;
  if (input.dpop_bound_access_tokens === true) metadata.dpop_bound_access_tokens = true;
  if (input.jwks !== undefined) metadata.jwks = input.jwks;
  else if (input.jwks_uri) metadata.jwks_uri = input.jwks_uri;
  return metadata;
}
