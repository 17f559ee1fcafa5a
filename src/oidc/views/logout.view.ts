import { html } from '../../common/html';
import { layout } from '../../web/views/layout.view';

export interface LogoutConfirmView {
  csrfToken: string;
  username: string;
  clientName?: string;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
  idTokenHint?: string;
}

/** RP-Initiated Logout §2: the OP asks the user before ending the session. One POST form. */
export function logoutConfirmView(v: LogoutConfirmView): string {
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
<p>${v.clientName ? html`<strong>${v.clientName}</strong> asks to sign you out. ` : ''}You are signed in as <strong>${v.username}</strong>.</p>
<form method="post" action="/oauth/logout/confirm">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  ${v.clientId ? html`<input type="hidden" name="client_id" value="${v.clientId}">` : ''}
  ${v.postLogoutRedirectUri ? html`<input type="hidden" name="post_logout_redirect_uri" value="${v.postLogoutRedirectUri}">` : ''}
  ${v.state !== undefined ? html`<input type="hidden" name="state" value="${v.state}">` : ''}
  ${v.idTokenHint ? html`<input type="hidden" name="id_token_hint" value="${v.idTokenHint}">` : ''}
  <div class="actions">
    <button type="submit" class="primary">Sign out</button>
  </div>
</form>`,
  );
}

export function signedOutView(): string {
  return layout('Signed out', html`<h1>You are signed out</h1><p><a href="/login">Sign in again</a></p>`);
}
