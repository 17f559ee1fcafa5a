import { html } from '../../common/html';
import { layout } from './layout.view';

/** Shown instead of redirecting when the client or its redirect URI cannot be verified (§4.1.2.1). */
export function errorView(error: string, description?: string): string {
  return layout(
    'Request refused',
    html`<h1>This request can't be completed</h1>
<p class="error" role="alert"><code>${error}</code>${description ? html`: ${description}` : ''}</p>
<p>The application that sent you here is misconfigured or the link is broken. You can close this page.</p>`,
  );
}
