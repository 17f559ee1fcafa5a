import { html } from '../../common/html';
import { layout } from '../../web/views/layout.view';

export interface ClientSecretView {
  username: string;
  heading: string;
  clientId: string;
  clientName: string;
  /** Null for a public client: nothing to show. */
  secret: string | null;
}

/** Right after registration or rotation: the client's id and, this one time, its secret. */
export function clientSecretView(v: ClientSecretView): string {
  const edit = `/console/clients/${encodeURIComponent(v.clientId)}`;
  return layout(
    v.heading,
    html`<h1>${v.heading}</h1>
<p class="lead"><strong>${v.clientName}</strong></p>
<dl class="props">
  <dt>Client ID</dt><dd><code id="client-id" class="secret">${v.clientId}</code></dd>
  ${v.secret ? html`<dt>Client secret</dt><dd><code id="client-secret" class="secret">${v.secret}</code></dd>` : ''}
</dl>
${
  v.secret
    ? html`<p class="warning" role="status">Copy the client secret now: it is shown only once. If you lose it, rotate it to get a new one.</p>`
    : html`<p class="notice" role="status">This is a public client: it has no secret and must use PKCE.</p>`
}
<p class="actions"><a class="button secondary" href="${edit}">Edit client</a><a class="button primary" href="/console">Back to the console</a></p>`,
    { wide: true, signedInAs: v.username },
  );
}
