import { html } from '../../common/html';
import { layout } from '../../web/views/layout.view';
import { FieldErrors, csrfField, errorSummary, textField } from './fields';

export interface SignupView {
  csrfToken: string;
  returnTo: string;
  values: { username: string; email: string };
  errors: FieldErrors;
}

const LABELS = { username: 'Username', email: 'Email (optional)', password: 'Password' };

/** Create an account (only when SIGNUP_ENABLED): the admin API's rules for a user. */
export function signupView(v: SignupView): string {
  const e = v.errors;
  return layout(
    `${Object.keys(e).length ? 'Error: ' : ''}Create an account`,
    html`<h1>Create an account</h1>
${errorSummary(e, LABELS)}
<form method="post" action="/signup" novalidate>
  ${csrfField(v.csrfToken)}
  <input type="hidden" name="return_to" value="${v.returnTo}">
  ${textField({ name: 'username', label: LABELS.username, value: v.values.username, errors: e, required: true, autocomplete: 'username', maxlength: 64, hint: '1 to 64 letters, digits or . _ @ -' })}
  ${textField({ name: 'email', label: LABELS.email, value: v.values.email, errors: e, type: 'email', autocomplete: 'email' })}
  ${textField({ name: 'password', label: LABELS.password, value: '', errors: e, type: 'password', required: true, autocomplete: 'new-password', hint: '8 to 1024 characters.' })}
  <button type="submit" class="primary">Create account</button>
</form>
<p>Already have an account? <a href="/login?return_to=${encodeURIComponent(v.returnTo)}">Sign in</a></p>`,
  );
}
