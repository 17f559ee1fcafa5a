import { SafeHtml, html } from '../../common/html';
import { ACCESS_TOKEN_FORMATS, GRANT_TYPES, ID_TOKEN_SIGNING_ALGS, RESPONSE_TYPES, SCOPES_SUPPORTED, TOKEN_ENDPOINT_AUTH_METHODS } from '../../common/oauth-types';
import { layout } from '../../web/views/layout.view';
import { FieldErrors, csrfField, describedBy, errorSummary, fieldError, textField } from './fields';

/** The registration form's values as entered (kept when the form comes back with errors). */
export interface ClientFormValues {
  client_name: string;
  client_uri: string;
  scope: string;
  /** One URI per line, as typed. */
  redirect_uris: string;
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  /** One origin per line, as typed. */
  allowed_cors_origins: string;
  /** One URI per line, as typed. */
  post_logout_redirect_uris: string;
  access_token_format: string;
  /** private_key_jwt: the key set's URL … */
  jwks_uri: string;
  /** … or the JWK Set itself, as JSON text. */
  jwks: string;
  id_token_signed_response_alg: string;
}

/**
 * The grant types a developer may pick. The password grant hands the client people's passwords
 * (RFC 9700 §2.4): only the operator registers it (admin API, CLI), never the console.
 */
export const CONSOLE_GRANT_TYPES = GRANT_TYPES.filter((g) => g !== 'password');

/** The form's field labels, by RFC 7591 name. */
export const CLIENT_FIELD_LABELS: Readonly<Record<string, string>> = {
  client_name: 'Client Name',
  client_uri: 'Client URI',
  scope: 'Allowed Scope',
  redirect_uris: 'Redirect URIs',
  grant_types: 'Allowed Grant Types',
  response_types: 'Allowed Response Types',
  token_endpoint_auth_method: 'Token Endpoint Auth Method',
  allowed_cors_origins: 'Allowed CORS Origins',
  post_logout_redirect_uris: 'Sign-out Return URIs',
  access_token_format: 'Access Token Format',
  id_token_signed_response_alg: 'ID Token Signing Algorithm',
  jwks_uri: 'JWK Set URL',
  jwks: 'JWK Set',
};

export const NEW_CLIENT_DEFAULTS: ClientFormValues = {
  client_name: '',
  client_uri: '',
  scope: 'openid profile email',
  redirect_uris: '',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
  allowed_cors_origins: '',
  post_logout_redirect_uris: '',
  access_token_format: 'opaque',
  id_token_signed_response_alg: 'RS256',
  jwks_uri: '',
  jwks: '',
};

function select(name: string, options: readonly string[], selected: string, errors: FieldErrors, hint: string): SafeHtml {
  return html`<label for="${name}">${CLIENT_FIELD_LABELS[name]}</label>
  <select id="${name}" name="${name}"${describedBy(name, errors, true)}>
${options.map((o) => html`<option value="${o}"${selected === o ? html` selected` : ''}>${o}</option>`)}
  </select>
  ${fieldError(name, errors)}
  <p class="hint" id="${name}-hint">${hint}</p>`;
}

const AUTH_METHOD_WORDS: Record<string, string> = {
  client_secret_basic: 'client_secret_basic (HTTP Basic)',
  client_secret_post: 'client_secret_post (form body)',
  none: 'none (public client)',
  private_key_jwt: 'private_key_jwt (signed JWT, your keys)',
};

function checkboxes(name: string, options: readonly string[], checked: string[], errors: FieldErrors, hint: string): SafeHtml {
  return html`<fieldset${describedBy(name, errors, true)}>
<legend>${CLIENT_FIELD_LABELS[name]}</legend>
<div class="checks">
${options.map((o) => html`<label><input type="checkbox" name="${name}" value="${o}"${checked.includes(o) ? html` checked` : ''}>${o}</label>`)}
</div>
${fieldError(name, errors)}
<p class="hint" id="${name}-hint">${hint}</p>
</fieldset>`;
}

export interface ClientFormView {
  csrfToken: string;
  username: string;
  values: ClientFormValues;
  errors: FieldErrors;
  /** Absent: registering a new client. */
  clientId?: string;
}

/** Register (or edit) a client with the seven RFC 7591 fields a developer may set. */
export function clientFormView(v: ClientFormView): string {
  const e = v.errors;
  const editing = v.clientId !== undefined;
  const action = editing ? `/console/clients/${encodeURIComponent(v.clientId!)}` : '/console/clients';
  const title = editing ? `Edit ${v.values.client_name || 'client'}` : 'Register a client';
  return layout(
    `${Object.keys(e).length ? 'Error: ' : ''}${title}`,
    html`<p><a href="/console">← Developer console</a></p>
<h1>${title}</h1>
${editing ? html`<dl class="props"><dt>Client ID</dt><dd><code id="client-id">${v.clientId}</code></dd></dl>` : ''}
${errorSummary(e, CLIENT_FIELD_LABELS)}
<form method="post" action="${action}" novalidate>
  ${csrfField(v.csrfToken)}
  ${textField({ name: 'client_name', label: CLIENT_FIELD_LABELS.client_name, value: v.values.client_name, errors: e, hint: 'Shown to people on the consent page.', maxlength: 200 })}
  ${textField({ name: 'client_uri', label: CLIENT_FIELD_LABELS.client_uri, value: v.values.client_uri, errors: e, type: 'url', hint: "Your app's home page (optional).", autocomplete: 'url' })}
  ${textField({ name: 'scope', label: CLIENT_FIELD_LABELS.scope, value: v.values.scope, errors: e, hint: `Space-separated; known scopes: ${SCOPES_SUPPORTED.join(', ')}.` })}
  <label for="redirect_uris">${CLIENT_FIELD_LABELS.redirect_uris}</label>
  <textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false"${describedBy('redirect_uris', e, true)}>${v.values.redirect_uris}</textarea>
  ${fieldError('redirect_uris', e)}
  <p class="hint" id="redirect_uris-hint">One per line: https, http only on 127.0.0.1, [::1] or localhost, or an app scheme such as com.example.app:/cb.</p>
  ${checkboxes('grant_types', CONSOLE_GRANT_TYPES, v.values.grant_types, e, 'authorization_code goes with the code response type, implicit with token.')}
  ${checkboxes('response_types', RESPONSE_TYPES, v.values.response_types, e, 'What the authorization endpoint may answer.')}
  <label for="token_endpoint_auth_method">${CLIENT_FIELD_LABELS.token_endpoint_auth_method}</label>
  <select id="token_endpoint_auth_method" name="token_endpoint_auth_method"${describedBy('token_endpoint_auth_method', e, true)}>
${TOKEN_ENDPOINT_AUTH_METHODS.map((m) => html`<option value="${m}"${v.values.token_endpoint_auth_method === m ? html` selected` : ''}>${AUTH_METHOD_WORDS[m]}</option>`)}
  </select>
  ${fieldError('token_endpoint_auth_method', e)}
  <p class="hint" id="token_endpoint_auth_method-hint">How the app proves itself at the token endpoint. An app with a secret may send it either way (HTTP Basic or the form body), whichever it registered. A public client (mobile, single-page) has no secret and uses PKCE.</p>
  ${textField({ name: 'jwks_uri', label: CLIENT_FIELD_LABELS.jwks_uri, value: v.values.jwks_uri, errors: e, type: 'url', hint: 'private_key_jwt: the https URL of your public keys (a JWK Set). Or paste the set below.' })}
  <label for="jwks">${CLIENT_FIELD_LABELS.jwks}</label>
  <textarea id="jwks" name="jwks" rows="3" spellcheck="false"${describedBy('jwks', e, true)}>${v.values.jwks}</textarea>
  ${fieldError('jwks', e)}
  <p class="hint" id="jwks-hint">private_key_jwt: your public keys as JSON, {"keys": [...]}. Never a private key.</p>
  <label for="allowed_cors_origins">${CLIENT_FIELD_LABELS.allowed_cors_origins}</label>
  <textarea id="allowed_cors_origins" name="allowed_cors_origins" rows="2" spellcheck="false"${describedBy('allowed_cors_origins', e, true)}>${v.values.allowed_cors_origins}</textarea>
  ${fieldError('allowed_cors_origins', e)}
  <p class="hint" id="allowed_cors_origins-hint">Single-page apps: the origins (such as https://app.example.com, no path) whose pages call the token endpoint, one per line. Empty: a public client gets its redirect URIs' origins.</p>
  <label for="post_logout_redirect_uris">${CLIENT_FIELD_LABELS.post_logout_redirect_uris}</label>
  <textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris" rows="2" spellcheck="false"${describedBy('post_logout_redirect_uris', e, true)}>${v.values.post_logout_redirect_uris}</textarea>
  ${fieldError('post_logout_redirect_uris', e)}
  <p class="hint" id="post_logout_redirect_uris-hint">OpenID Connect sign-out: where the app may send people back after signing out. One per line, checked like redirect URIs.</p>
  ${select('access_token_format', ACCESS_TOKEN_FORMATS, v.values.access_token_format, e, 'opaque: random strings your API checks with introspection. jwt: signed tokens (RFC 9068) your API can verify from the JWKS.')}
  ${select('id_token_signed_response_alg', ID_TOKEN_SIGNING_ALGS, v.values.id_token_signed_response_alg, e, 'How OpenID Connect ID tokens are signed for this app.')}
  <button type="submit" class="primary">${editing ? 'Save changes' : 'Register client'}</button>
</form>
${editing ? dangerZone(v.csrfToken, v.clientId!, v.values.token_endpoint_auth_method !== 'none' && v.values.token_endpoint_auth_method !== 'private_key_jwt') : ''}`,
    { wide: true, signedInAs: v.username },
  );
}

function dangerZone(csrfToken: string, clientId: string, confidential: boolean): SafeHtml {
  const base = `/console/clients/${encodeURIComponent(clientId)}`;
  return html`<section class="danger-zone" aria-labelledby="danger-heading">
<h2 id="danger-heading">Secret and deletion</h2>
${
  confidential
    ? html`<form method="post" action="${base}/secret">
  ${csrfField(csrfToken)}
  <p class="hint">A new secret replaces the current one at once: apps using the old one stop working.</p>
  <button type="submit" class="secondary">Rotate client secret</button>
</form>`
    : ''
}
<form method="post" action="${base}/delete">
  ${csrfField(csrfToken)}
  <p class="hint">Deleting the client revokes every token it holds. This cannot be undone.</p>
  <button type="submit" class="danger">Delete client</button>
</form>
</section>`;
}
