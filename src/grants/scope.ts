import { OAuthError } from './oauth-error';
import { parseScope } from '../common/oauth-types';

/**
 * The one scope rule for every grant (RFC 6749 §3.3): the requested scopes must all be in
 * `allowed` (the client's registered scope, or the original grant's on refresh); none requested
 * means all of `allowed`. Anything else is invalid_scope — never silently dropped.
 */
export function resolveScope(requested: string | undefined, allowed: string): string {
  const allowedScopes = parseScope(allowed);
  if (requested === undefined || requested.trim() === '') return allowedScopes.join(' ');
  // §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
  if (!/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(requested)) {
    throw OAuthError.invalidScope('scope is malformed');
  }
  const scopes = parseScope(requested);
  if (scopes.some((s) => !allowedScopes.includes(s))) {
    throw OAuthError.invalidScope('the requested scope is unknown or exceeds what was granted to this client');
  }
  return scopes.join(' ');
}
