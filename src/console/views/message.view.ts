import { html } from '../../common/html';
import { layout } from '../../web/views/layout.view';

/** A plain page for 404, 403 and the like in the console and sign-up. */
export function messageView(title: string, message: string, username?: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
<p class="error" role="alert">${message}</p>
<p><a href="${username ? '/console' : '/'}">${username ? 'Back to the console' : 'Home'}</a></p>`,
    { signedInAs: username },
  );
}
