import { html } from '../../common/html';
import { SCOPES } from '../../common/oauth-types';
import { layout } from '../../web/views/layout.view';

/** The first step: one POST form with the `user_code` input (pre-filled from verification_uri_complete). */
export function userCodeView(v: { csrfToken: string; userCode?: string; error?: string }): string {
  return layout(
    'Connect a device',
    html`<h1>Connect a device</h1>
<p>Enter the code shown on your device.</p>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="/device">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  <label for="user_code">Code</label>
  <input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="16" placeholder="XXXX-XXXX" value="${v.userCode ?? ''}">
  <button type="submit" class="primary">Continue</button>
</form>`,
  );
}

export interface DeviceConsentView {
  csrfToken: string;
  clientName: string;
  clientUri?: string;
  username: string;
  scopes: string[];
}

/** Consent for a device: names the client, its URI and each scope; `decision` approve or deny. */
export function deviceConsentView(v: DeviceConsentView): string {
  return layout(
    `Connect ${v.clientName}`,
    html`<h1><strong>${v.clientName}</strong> on your device wants to access your account</h1>
${v.clientUri ? html`<p class="client-uri"><a href="${v.clientUri}" rel="noopener noreferrer">${v.clientUri}</a></p>` : ''}
<p>Signed in as <strong>${v.username}</strong>. Only allow this if you started it on a device you trust. The device is asking to:</p>
<ul class="scopes">
${v.scopes.map((s) => html`<li><code>${s}</code> ${SCOPES[s] ?? s}</li>`)}
</ul>
<form method="post" action="/device/confirm">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  <div class="actions">
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
    <button type="submit" name="decision" value="approve" class="primary">Allow</button>
  </div>
</form>`,
  );
}

/** The end page: what happened, and what to do next. */
export function deviceDoneView(outcome: 'approved' | 'denied' | 'gone', clientName?: string): string {
  const title = outcome === 'approved' ? 'Device connected' : outcome === 'denied' ? 'Device not connected' : 'Code no longer valid';
  const text =
    outcome === 'approved'
      ? html`<p class="notice" role="status"><strong>${clientName ?? 'The device'}</strong> is now connected to your account. You can close this page and return to your device.</p>`
      : outcome === 'denied'
        ? html`<p class="notice" role="status">You denied access: <strong>${clientName ?? 'the device'}</strong> was not connected. You can close this page.</p>`
        : html`<p class="error" role="alert">This code has expired or was already used. Start again on your device to get a new code.</p><p><a href="/device">Enter another code</a></p>`;
  return layout(title, html`<h1>${title}</h1>
${text}`);
}
