import { html } from '../../common/html';
import { SCOPES } from '../../common/oauth-types';
import { layout } from '../../web/views/layout.view';
import { csrfField } from './fields';

export interface ConsoleClientItem {
  clientId: string;
  name: string;
  authMethod: string;
  redirectUris: string[];
}

export interface AuthorizedAppItem {
  clientId: string;
  name: string;
  clientUri?: string;
  scopes: string[];
  /** Epoch seconds of the last approval. */
  updatedAt: number;
}

export interface ConsoleView {
  csrfToken: string;
  username: string;
  clients: ConsoleClientItem[];
  authorizedApps: AuthorizedAppItem[];
  /** A one-line confirmation of what the last action did. */
  notice?: string;
}

const day = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);

/** The developer console: my clients, and the apps I have authorized (each revocable). */
export function consoleView(v: ConsoleView): string {
  return layout(
    'Developer console',
    html`<h1>Developer console<small>Signed in as <strong>${v.username}</strong></small></h1>
${v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : ''}
<div class="section-head"><h2 id="clients-heading">My clients</h2><a class="button primary small" href="/console/clients/new">Register a client</a></div>
${
  v.clients.length
    ? html`<ul class="items" aria-labelledby="clients-heading">
${v.clients.map(
  (c) => html`<li>
  <div class="main"><div class="name">${c.name}</div>
  <div class="meta">Client ID <code>${c.clientId}</code> · ${c.authMethod}</div>
  <div class="meta">${c.redirectUris.map((u) => html`<span class="tag">${u}</span>`)}</div></div>
  <a class="button secondary small" href="/console/clients/${encodeURIComponent(c.clientId)}" aria-label="Edit ${c.name}">Edit</a>
</li>`,
)}
</ul>`
    : html`<p class="empty">You have not registered any client yet.</p>`
}
<div class="section-head"><h2 id="apps-heading">Authorized apps</h2></div>
<p class="hint">Apps you allowed to access your account. Revoking signs the app out: its tokens stop working and it must ask again.</p>
${
  v.authorizedApps.length
    ? html`<ul class="items" aria-labelledby="apps-heading">
${v.authorizedApps.map(
  (a) => html`<li>
  <div class="main"><div class="name">${a.name}</div>
  ${a.clientUri ? html`<div class="meta"><a href="${a.clientUri}" rel="noopener noreferrer">${a.clientUri}</a></div>` : ''}
  <div class="meta">${a.scopes.map((s) => html`<span class="tag" title="${SCOPES[s] ?? s}">${s}</span>`)} · since ${day(a.updatedAt)}</div></div>
  <form method="post" action="/console/authorized-apps/${encodeURIComponent(a.clientId)}/revoke" class="inline">
    ${csrfField(v.csrfToken)}
    <button type="submit" class="danger small" aria-label="Revoke access for ${a.name}">Revoke access</button>
  </form>
</li>`,
)}
</ul>`
    : html`<p class="empty">You have not authorized any app.</p>`
}`,
    { wide: true, signedInAs: v.username },
  );
}
