import { isLoopbackHost, parseAbsoluteUri } from '../clients/client-metadata';
import { OAuthError } from '../grants/oauth-error';

/**
 * Why `uri` cannot name a resource server (RFC 8707 §2: an absolute URI without a fragment; here
 * also https, or http on a loopback host as for redirect URIs), or null.
 */
export function resourceIdentifierProblem(uri: string): string | null {
  const url = parseAbsoluteUri(uri);
  if (typeof url === 'string') return url;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must use https (http only on a loopback host)';
}

/**
 * The `resource` values of a request (RFC 8707 §2), or null when it named none. The parameter may
 * be repeated: the request parsers hand its values over space-separated, which a URI never holds.
 * Throws invalid_target for a value that is not an absolute URI or has a fragment.
 */
export function requestedResources(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const values = raw.split(' ');
  for (const value of values) {
    const problem = resourceIdentifierProblem(value);
    if (problem) throw OAuthError.invalidTarget(`resource ${problem}`);
  }
  return [...new Set(values)];
}

/**
 * RFC 8707 §2.2: the audience of a token: what the token request asked for, within what the grant
 * authorized (null: not restricted). Asking for more than was authorized is invalid_target.
 */
export function narrowAudience(requested: string[] | null, authorized: string[] | null): string[] | null {
  if (requested === null) return authorized;
  if (authorized === null) return requested;
  const outside = requested.find((r) => !authorized.includes(r));
  if (outside !== undefined) throw OAuthError.invalidTarget('resource was not part of the authorization grant');
  return requested;
}

/** A stored list of resource URIs (space-separated text), or null. */
export const resourcesColumn = {
  encode: (resources: readonly string[] | null | undefined): string | null => (resources && resources.length ? resources.join(' ') : null),
  decode: (value: unknown): string[] | null => (typeof value === 'string' && value ? value.split(' ') : null),
};

/** Where the metadata of the resource at `{ISSUER}{path}` lives (RFC 9728 §3.1: the path after the well-known part). */
export function resourceMetadataUrl(issuer: string, path: string): string {
  return `${issuer}/.well-known/oauth-protected-resource${path}`;
}
