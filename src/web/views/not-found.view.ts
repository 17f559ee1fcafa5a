import { html } from '../../common/html';
import { layout } from './layout.view';

/** A browser's 404: a page instead of the JSON API clients get. */
export function notFoundView(): string {
  return layout(
    'Page not found',
    html`<h1>Page not found</h1>
<p>There is no page at this address. Check the link, or go to the <a href="/">start page</a>.</p>`,
  );
}
