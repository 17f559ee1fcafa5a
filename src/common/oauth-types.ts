/** RFC literals shared by every layer. */
export const GRANT_TYPES = ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const RESPONSE_TYPES = ['code', 'token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** The scopes this server knows, with the words the consent page shows for each. */
export const SCOPES: Readonly<Record<string, string>> = {
  profile: 'See your user id and username',
  email: 'See your email address',
};
export const SCOPES_SUPPORTED = Object.keys(SCOPES);

/** RFC 6749 §3.3: scope is a space-delimited list of case-sensitive strings. */
export function parseScope(scope: string | null | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
}
