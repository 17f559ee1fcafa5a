import type { FastifyReply } from 'fastify';
import type { ResponseMode } from '../common/oauth-types';
import { buildRedirect } from '../grants/redirect-uri';
import { contentSecurityPolicy } from '../web/page-headers';
import { SUBMIT_SCRIPT_SOURCE, formPostView } from './views/form-post.view';

/** An authorization response (success or error) on its way to the client's verified redirect URI. */
export interface AuthorizationResponse {
  redirectUri: string;
  responseMode: ResponseMode;
  /** Undefined values are left out. */
  params: Record<string, string | undefined>;
}

/**
 * The CSP source the form_post page may submit to: the redirect URI's origin (the relying party
 * may answer the POST with a redirect within its own site, which Chromium checks against
 * form-action too), or the scheme of a URI with no web origin (a native app's).
 */
export function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  // An IPv6 literal is not a CSP host-source: the scheme stands for it.
  if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.hostname.startsWith('[')) return url.origin;
  return url.protocol;
}

/**
 * Sends the response as the request asked: a 302 to the redirect URI with the parameters in its
 * query or fragment, or (form_post) a 200 page that posts them there. Neither may be cached: both
 * may carry a code or token (RFC 9700 §4.15; Form Post Response Mode §2).
 */
export function sendAuthorizationResponse(reply: FastifyReply, response: AuthorizationResponse): void {
  reply.header('Cache-Control', 'no-store');
  if (response.responseMode !== 'form_post') {
    reply.redirect(buildRedirect(response.redirectUri, response.responseMode, response.params), 302);
    return;
  }
  const fields = Object.entries(response.params).filter((e): e is [string, string] => e[1] !== undefined);
  reply
    .status(200)
    .header('Pragma', 'no-cache')
    .header('Content-Security-Policy', contentSecurityPolicy({ script: SUBMIT_SCRIPT_SOURCE, formAction: formActionSource(response.redirectUri) }))
    .type('text/html; charset=utf-8')
    .send(formPostView(response.redirectUri, fields));
}
