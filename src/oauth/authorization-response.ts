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
    // Its one script by hash. No form-action: Chromium checks it against every redirect that
    // follows the POST too, so a relying party answering with a redirect to another of its
    // origins (app.example.com after auth.example.com/callback) would be cut off; the page
    // carries no markup but the escaped fields, so there is nothing for it to contain.
    .header('Content-Security-Policy', contentSecurityPolicy({ script: SUBMIT_SCRIPT_SOURCE }))
    .type('text/html; charset=utf-8')
    .send(formPostView(response.redirectUri, fields));
}
