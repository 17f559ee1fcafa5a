import { parseScope } from '../common/oauth-types';

/** The parts of a user the standard claims are made of. */
export interface ClaimsSource {
  id: number;
  username: string;
  email: string | null;
}

/**
 * OpenID Connect Core §5.1 standard claims for the granted scope (§5.4): `sub` always (the user
 * id as a string, as introspection answers it); `preferred_username` and `name` with `profile`;
 * `email` and `email_verified` with `email`. Nothing verifies addresses yet, so email_verified is false.
 */
export function userClaims(user: ClaimsSource, scope: string): Record<string, unknown> {
  const scopes = parseScope(scope);
  const claims: Record<string, unknown> = { sub: String(user.id) };
  if (scopes.includes('profile')) {
    claims.preferred_username = user.username;
    claims.name = user.username;
  }
  if (scopes.includes('email') && user.email) {
    claims.email = user.email;
    claims.email_verified = false;
  }
  return claims;
}
