/** RFC literals shared by every layer. */
/** RFC 8628 §3.4: the device authorization grant's grant_type. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
export const GRANT_TYPES = ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token', DEVICE_CODE_GRANT_TYPE] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** `id_token` and `id_token token` are OpenID Connect's implicit flow (Core §3.2). */
export const RESPONSE_TYPES = ['code', 'token', 'id_token', 'id_token token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

/**
 * How an authorization response reaches the redirect URI: in its query, in its fragment (OAuth 2.0
 * Multiple Response Type Encoding Practices §2.1) or as a form the browser posts to it (OAuth 2.0
 * Form Post Response Mode §2).
 */
export const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/** `private_key_jwt`: RFC 7523 §2.2 client assertions signed with a key of the client's registered key set. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** The scopes this server knows, with the words the consent page shows for each. */
export const SCOPES: Readonly<Record<string, string>> = {
  openid: 'Sign you in with your account (your user id)',
  profile: 'See your user id and username',
  email: 'See your email address',
};
export const SCOPES_SUPPORTED = Object.keys(SCOPES);

/** RFC 6749 §3.3: scope is a space-delimited list of case-sensitive strings. */
export function parseScope(scope: string | null | undefined): string[] {
  if (!scope) return [];
  const names = scope.split(' ');
  // Stored scopes are already clean (single spaces, no repeats): skip the Set on every bearer call.
  for (let i = 0; i < names.length; i++) {
    if (names[i] === '' || names.indexOf(names[i]) !== i) return [...new Set(names.filter((s) => s.length > 0))];
  }
  return names;
}

/** JWS algorithms of ID tokens and JWT access tokens (RS256 is OpenID Connect's default). */
export const ID_TOKEN_SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type IdTokenSigningAlg = (typeof ID_TOKEN_SIGNING_ALGS)[number];

/** How a client's access tokens look: random strings, or RFC 9068 JWTs a resource server can verify locally. */
export const ACCESS_TOKEN_FORMATS = ['opaque', 'jwt'] as const;
export type AccessTokenFormat = (typeof ACCESS_TOKEN_FORMATS)[number];

/** The methods that authenticate with a client secret: only these clients get one. */
export const SECRET_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post'];

/** JWS algorithms accepted for client assertions and DPoP proofs: asymmetric only (no `none`, no HMAC). */
export const ASYMMETRIC_JWS_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** RFC 7523 §2.2: client_assertion_type of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
