import { html } from '../../common/html';
import { SCOPES } from '../../common/oauth-types';
import { layout } from '../../web/views/layout.view';

export interface ConsentView {
  csrfToken: string;
  requestId: string;
  clientName: string;
  clientUri?: string;
  username: string;
  scopes: string[];
  /** Set for a client the operator has not reviewed: the host the answer will go to. */
  unvettedRedirectHost?: string;
}

/** One POST form a browser or a test completes generically: the client's name and URI, each scope, and `decision` approve/deny. */
export function consentView(v: ConsentView): string {
  return layout(
    `Authorize ${v.clientName}`,
    html`<h1><strong>${v.clientName}</strong> wants to access your account</h1>
${v.unvettedRedirectHost !== undefined ? html`<p class="warning unvetted" role="note">The operator of this server has not reviewed this app. It registered itself (or one of this server's users registered it), and its name and link are its own claims. If you allow, you will be sent to <strong>${v.unvettedRedirectHost}</strong>.</p>` : ''}
${v.clientUri ? html`<p class="client-uri"><a href="${v.clientUri}" rel="noopener noreferrer">${v.clientUri}</a></p>` : ''}
<p>Signed in as <strong>${v.username}</strong>. This app is asking to:</p>
<ul class="scopes">
${v.scopes.map((s) => html`<li><code>${s}</code> ${SCOPES[s] ?? s}</li>`)}
</ul>
<form method="post" action="/oauth/authorize">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  <input type="hidden" name="request_id" value="${v.requestId}">
  <div class="actions">
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
    <button type="submit" name="decision" value="approve" class="primary">Allow</button>
  </div>
</form>`,
  );
}
