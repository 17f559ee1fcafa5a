import { html } from '../../common/html';
import { layout } from './layout.view';

export interface LoginView {
  csrfToken: string;
  returnTo: string;
  username?: string;
  error?: string;
  clientName?: string;
  /** Offer a link to /signup (SIGNUP_ENABLED). */
  signupEnabled?: boolean;
}

/** One POST form a browser or a test completes generically: `username`, `password` and hidden inputs. */
export function loginView(v: LoginView): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${v.clientName ? html`<p class="lead">to continue to <strong>${v.clientName}</strong></p>` : ''}
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  <input type="hidden" name="return_to" value="${v.returnTo}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${v.username ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit" class="primary">Sign in</button>
</form>
${v.signupEnabled ? html`<p>No account yet? <a href="/signup?return_to=${encodeURIComponent(v.returnTo)}">Create one</a></p>` : ''}`,
  );
}
