import { createHash } from 'node:crypto';
import { SafeHtml, html } from '../../common/html';
import { layout } from '../../web/views/layout.view';

/**
 * The page's one script: it submits the form. Called through the prototype so that a response
 * parameter named like a form property (`submit`) could not stand in for the method.
 */
const SUBMIT_SCRIPT = 'HTMLFormElement.prototype.submit.call(document.getElementById("authorization-response"));';

/** The script's CSP source (CSP3 hash-source): the page allows this script and no other. */
export const SUBMIT_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

/**
 * OAuth 2.0 Form Post Response Mode §2: the authorization response as hidden fields of a form the
 * browser posts to the redirect URI as soon as the page loads, or when the person presses Continue
 * in a browser that runs no script. Every value is HTML-escaped.
 */
export function formPostView(redirectUri: string, params: ReadonlyArray<readonly [string, string]>): string {
  return layout(
    'Returning to the application',
    html`<h1>Returning to the application…</h1>
<form id="authorization-response" method="post" action="${redirectUri}">
${params.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}<noscript><p>This browser does not run scripts: press Continue to go back to the application.</p>
<button type="submit">Continue</button></noscript>
</form>
<script>${new SafeHtml(SUBMIT_SCRIPT)}</script>`,
  );
}
