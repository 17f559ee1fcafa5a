import { isLoopbackHost } from '../clients/client-metadata';

/** Adds parameters to a redirect URI: to its query (§4.1.2) or as the fragment (§4.2.2). */
export function buildRedirect(redirectUri: string, mode: 'query' | 'fragment', params: Record<string, string | undefined>): string {
  const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  const url = new URL(redirectUri);
  if (mode === 'fragment') {
    url.hash = new URLSearchParams(defined).toString();
  } else {
    for (const [k, v] of defined) url.searchParams.append(k, v);
  }
  return url.toString();
}

/**
 * RFC 6749 §3.1.2.3 with RFC 9700 §4.1.3: the registered URI this request's redirect_uri names,
 * by exact string match — except that a loopback IP literal over http may use any port
 * (RFC 8252 §7.3). Null when none matches.
 */
export function matchRedirectUri(requested: string, registered: readonly string[]): string | null {
  if (registered.includes(requested)) return requested;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || !isLoopbackIp(url.hostname) || url.username || url.password || requested.includes('#')) return null;
  const wanted = stripPort(requested);
  // Only the port may differ; the rest is compared as written.
  return registered.some((candidate) => stripPort(candidate) === wanted) ? requested : null;
}

function isLoopbackIp(hostname: string): boolean {
  return hostname !== 'localhost' && isLoopbackHost(hostname);
}

function stripPort(uri: string): string {
  return uri.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\])):\d+/, '$1');
}
