import { ClientsService } from '../../src/clients/clients.service';
import { Db } from '../../src/database/db';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { pkcePair } from '../support/oauth-flow';

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The CSRF token of any form on the page. */
function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no CSRF token on the page');
  return decode(m[1]);
}

/** The error shown under a field (`<p class="field-error" id="<field>-error">`), or undefined. */
function fieldError(page: string, field: string): string | undefined {
  const m = new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`).exec(page);
  return m ? decode(m[1]) : undefined;
}

function formBody(fields: Array<[string, string]>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

const VALID: Array<[string, string]> = [
  ['client_name', 'Console App'],
  ['client_uri', 'https://app.example.com'],
  ['scope', 'profile email'],
  ['redirect_uris', 'http://127.0.0.1:5555/callback\r\nhttps://app.example.com/cb'],
  ['grant_types', 'authorization_code'],
  ['grant_types', 'refresh_token'],
  ['response_types', 'code'],
  ['token_endpoint_auth_method', 'client_secret_basic'],
];

describe.each(DATABASES)('developer console and sign-up (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  /** A new user, signed in in a fresh browser. */
  async function signedIn(app = t): Promise<{ agent: UserAgent; userId: number; username: string; password: string }> {
    const { user, password } = await userFactory.create(app);
    const agent = new UserAgent(app.url);
    const form = parseForm(await (await agent.get('/login?return_to=/console')).text());
    const res = await agent.postForm('/login', { ...form.fields, username: user.username, password });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console');
    return { agent, userId: user.id, username: user.username, password };
  }

  /** Registers a client through the form; returns its id and secret as the page shows them. */
  async function register(agent: UserAgent, fields = VALID): Promise<{ clientId: string; secret: string }> {
    const token = csrfOf(await (await agent.get('/console/clients/new')).text());
    const res = await agent.request('/console/clients', formBody([['_csrf', token], ...fields]));
    const page = await res.text();
    expect(res.status).toBe(201);
    return { clientId: decode(/id="client-id"[^>]*>([^<]+)</.exec(page)![1]), secret: decode(/id="client-secret"[^>]*>([^<]+)</.exec(page)![1]) };
  }

  describe('sign-in', () => {
    it('sends a visitor to the sign-in page, coming back to the console', async () => {
      const agent = new UserAgent(t.url);
      const res = await agent.get('/console');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/login?return_to=%2Fconsole');
      const edit = await agent.get('/console/clients/abc');
      expect(edit.headers.get('location')).toBe('/login?return_to=%2Fconsole%2Fclients%2Fabc');
    });

    it('refuses a POST from a visitor without a session, even with a valid CSRF token', async () => {
      const agent = new UserAgent(t.url);
      const token = csrfOf(await (await agent.get('/login')).text());
      const res = await agent.request('/console/clients', formBody([['_csrf', token], ...VALID]));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/login?return_to=%2Fconsole');
    });
  });

  describe('registering a client', () => {
    it('shows the page with labelled fields, the RFC 7591 field names, and the CSRF token', async () => {
      const { agent } = await signedIn();
      const res = await agent.get('/console/clients/new');
      const page = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(page).toContain('<title>Register a client · Gatehouse</title>');
      for (const label of ['Client Name', 'Client URI', 'Allowed Scope', 'Redirect URIs', 'Allowed Grant Types', 'Allowed Response Types', 'Token Endpoint Auth Method']) {
        expect(page).toContain(label);
      }
      for (const id of ['client_name', 'client_uri', 'scope', 'redirect_uris', 'token_endpoint_auth_method']) {
        expect(page).toContain(`<label for="${id}">`);
        expect(page).toContain(`id="${id}" name="${id}"`);
      }
      expect(page).toMatch(/<textarea id="redirect_uris" name="redirect_uris"/);
      expect(page.match(/type="checkbox" name="grant_types"/g)).toHaveLength(4);
      expect(page).not.toContain('value="password"'); // the operator registers the password grant, never the console
      expect(page.match(/type="checkbox" name="response_types"/g)).toHaveLength(4);
      expect(page).toMatch(/<textarea id="post_logout_redirect_uris" name="post_logout_redirect_uris"/);
      expect(page).toMatch(/<select id="access_token_format" name="access_token_format"/);
      expect(page).toMatch(/<select id="id_token_signed_response_alg" name="id_token_signed_response_alg"/);
      expect(page).not.toMatch(/<script|\son[a-z]+=/i);
    });

    it('registers the client for this user and shows its id and secret once', async () => {
      const { agent, userId } = await signedIn();
      const { clientId, secret } = await register(agent);
      const client = (await t.app.get(ClientsService).findByClientId(clientId))!;
      expect(client.userId).toBe(userId);
      expect(client.metadata).toEqual({
        client_name: 'Console App',
        client_uri: 'https://app.example.com',
        scope: 'profile email',
        redirect_uris: ['http://127.0.0.1:5555/callback', 'https://app.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        skip_consent: false,
        introspection: false,
        allowed_cors_origins: [],
        post_logout_redirect_uris: [],
        access_token_format: 'opaque',
        id_token_signed_response_alg: 'RS256',
      });
      expect(await t.app.get(ClientsService).authenticate(clientId, secret)).not.toBeNull();
      const list = await (await agent.get('/console')).text();
      expect(list).toContain(clientId);
      expect(list).toContain('Console App');
      expect(list).not.toContain(secret);
      expect(await (await agent.get(`/console/clients/${clientId}`)).text()).not.toContain(secret);
    });

    it('registers a public client without a secret', async () => {
      const { agent } = await signedIn();
      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const fields = VALID.map(([k, v]): [string, string] => [k, k === 'token_endpoint_auth_method' ? 'none' : v]);
      const res = await agent.request('/console/clients', formBody([['_csrf', token], ...fields]));
      const page = await res.text();
      expect(res.status).toBe(201);
      expect(page).not.toContain('id="client-secret"');
      expect(page).toContain('public client');
    });

    it("ignores fields the form does not have (skip_consent, introspection stay the operator's)", async () => {
      const { agent } = await signedIn();
      const { clientId } = await register(agent, [...VALID, ['skip_consent', 'true'], ['introspection', 'true']]);
      expect((await t.app.get(ClientsService).findByClientId(clientId))!.metadata).toMatchObject({ skip_consent: false, introspection: false });
    });

    it("shows the metadata rules' errors next to each field and keeps what was entered", async () => {
      const { agent, userId } = await signedIn();
      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const res = await agent.request(
        '/console/clients',
        formBody([
          ['_csrf', token],
          ['client_name', '  '],
          ['client_uri', 'not a url <b>'],
          ['scope', 'profile admin'],
          ['redirect_uris', 'https://ok.example/cb\nhttp://evil.example/cb'],
          ['grant_types', 'implicit'],
          ['response_types', 'code'],
          ['token_endpoint_auth_method', 'client_secret_post'],
        ]),
      );
      const page = await res.text();
      expect(res.status).toBe(400);
      expect(page).toContain('<title>Error: Register a client · Gatehouse</title>');
      expect(page).toContain('role="alert"');
      expect(fieldError(page, 'client_name')).toBe('must not be empty');
      expect(fieldError(page, 'client_uri')).toBe('must be an absolute URL');
      expect(fieldError(page, 'scope')).toBe('unknown scope "admin" (supported: openid profile email)');
      expect(fieldError(page, 'redirect_uris')).toBe('"http://evil.example/cb" must use https (http only on a loopback host)');
      expect(fieldError(page, 'response_types')).toBe('response type "code" and grant type "authorization_code" go together');
      expect(fieldError(page, 'token_endpoint_auth_method')).toBeUndefined();
      // The entered values come back, escaped.
      expect(page).toContain('value="not a url &lt;b&gt;"');
      expect(page).toContain('value="profile admin"');
      expect(page).toContain('>https://ok.example/cb\nhttp://evil.example/cb</textarea>');
      expect(page).toContain('value="implicit" checked');
      expect(page).not.toContain('value="authorization_code" checked');
      expect(page).toContain('value="client_secret_post" selected');
      expect(page).toMatch(/id="client_uri"[^>]*aria-invalid="true" aria-describedby="client_uri-hint client_uri-error"/);
      expect(await t.app.get(ClientsService).list({ userId }, 50, 0)).toEqual([[], 0]);
    });

    it("shows the admin DTO's shape errors (length, known values) next to the field", async () => {
      const { agent } = await signedIn();
      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const fields = VALID.map(([k, v]): [string, string] => [k, k === 'client_name' ? 'x'.repeat(201) : k === 'token_endpoint_auth_method' ? 'private_key_jwt' : v]);
      const res = await agent.request('/console/clients', formBody([['_csrf', token], ...fields, ['grant_types', 'device_code']]));
      const page = await res.text();
      expect(res.status).toBe(400);
      expect(fieldError(page, 'client_name')).toBe('must be shorter than or equal to 200 characters');
      expect(fieldError(page, 'token_endpoint_auth_method')).toBe('must be one of the following values: client_secret_basic, client_secret_post, none');
      expect(fieldError(page, 'grant_types')).toBe('each value in grant_types must be one of the following values: authorization_code, implicit, password, client_credentials, refresh_token');
    });

    it('stores the allowed CORS origins typed one per line, shows them on the edit form, and names a bad one', async () => {
      const { agent } = await signedIn();
      const { clientId } = await register(agent, [...VALID, ['allowed_cors_origins', 'https://spa.example.com\r\n\r\nhttp://localhost:3000']]);
      const client = (await t.app.get(ClientsService).findByClientId(clientId))!;
      expect(client.metadata.allowed_cors_origins).toEqual(['https://spa.example.com', 'http://localhost:3000']);
      const edit = await (await agent.get(`/console/clients/${clientId}`)).text();
      expect(edit).toContain('name="allowed_cors_origins"');
      expect(edit).toContain('>https://spa.example.com\nhttp://localhost:3000</textarea>');

      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const res = await agent.request('/console/clients', formBody([['_csrf', token], ...VALID, ['allowed_cors_origins', 'https://spa.example.com/app']]));
      expect(res.status).toBe(400);
      expect(fieldError(await res.text(), 'allowed_cors_origins')).toBe(
        '"https://spa.example.com/app" must be an origin as browsers send it: scheme://host[:port] in lower case, with no path, query or fragment',
      );
    });

    it('refuses the password grant with a field error: only the operator registers it (RFC 9700 §2.4)', async () => {
      const { agent, userId } = await signedIn();
      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const res = await agent.request('/console/clients', formBody([['_csrf', token], ...VALID.map(([k, v]): [string, string] => [k, k === 'client_name' ? 'Official App' : v]), ['grant_types', 'password']]));
      const page = await res.text();
      expect(res.status).toBe(400);
      expect(fieldError(page, 'grant_types')).toBe('the password grant is registered by the server operator only');
      expect(await t.app.get(ClientsService).list({ userId }, 50, 0)).toEqual([[], 0]);
    });
  });

  describe('CSRF', () => {
    it('refuses every console POST without a valid token (403), changing nothing', async () => {
      const { agent, userId } = await signedIn();
      const { clientId } = await register(agent);
      for (const path of ['/console/clients', `/console/clients/${clientId}`, `/console/clients/${clientId}/secret`, `/console/clients/${clientId}/delete`, `/console/authorized-apps/${clientId}/revoke`]) {
        const missing = await agent.request(path, formBody(VALID));
        expect(missing.status).toBe(403);
        expect(await missing.text()).toContain('CSRF');
        const forged = await agent.request(path, formBody([['_csrf', 'forged-token'], ...VALID]));
        expect(forged.status).toBe(403);
      }
      expect((await t.app.get(ClientsService).list({ userId }, 50, 0))[1]).toBe(1);
      expect(await t.app.get(ClientsService).findByClientId(clientId)).not.toBeNull();
    });

    it("refuses a token minted for another browser's cookie", async () => {
      const { agent } = await signedIn();
      const other = new UserAgent(t.url);
      const foreign = csrfOf(await (await other.get('/login')).text());
      const res = await agent.request('/console/clients', formBody([['_csrf', foreign], ...VALID]));
      expect(res.status).toBe(403);
    });
  });

  describe('editing, rotating, deleting', () => {
    it('saves changes and re-validates them', async () => {
      const { agent } = await signedIn();
      const { clientId } = await register(agent);
      const edit = await (await agent.get(`/console/clients/${clientId}`)).text();
      expect(edit).toContain('<title>Edit Console App · Gatehouse</title>');
      expect(edit).toContain('value="Console App"');
      expect(edit).toContain('>http://127.0.0.1:5555/callback\nhttps://app.example.com/cb</textarea>');
      const token = csrfOf(edit);
      const bad = await agent.request(`/console/clients/${clientId}`, formBody([['_csrf', token], ...VALID.map(([k, v]): [string, string] => [k, k === 'scope' ? 'offline_access' : v])]));
      expect(bad.status).toBe(400);
      expect(fieldError(await bad.text(), 'scope')).toBe('unknown scope "offline_access" (supported: openid profile email)');
      // The OpenID Connect fields are checked as the admin API checks them.
      const badOidc = await agent.request(
        `/console/clients/${clientId}`,
        formBody([['_csrf', token], ...VALID, ['post_logout_redirect_uris', 'http://evil.example/out'], ['access_token_format', 'macaroon'], ['id_token_signed_response_alg', 'HS256']]),
      );
      expect(badOidc.status).toBe(400);
      const badPage = await badOidc.text();
      expect(fieldError(badPage, 'access_token_format')).toBe('must be one of the following values: opaque, jwt');
      expect(fieldError(badPage, 'id_token_signed_response_alg')).toBe('must be one of the following values: RS256, ES256');
      const okOidc = await agent.request(
        `/console/clients/${clientId}`,
        formBody([['_csrf', token], ...VALID, ['post_logout_redirect_uris', 'https://app.example.com/out'], ['access_token_format', 'jwt'], ['id_token_signed_response_alg', 'ES256']]),
      );
      expect(okOidc.status).toBe(303);
      expect((await t.app.get(ClientsService).findByClientId(clientId))!.metadata).toMatchObject({
        post_logout_redirect_uris: ['https://app.example.com/out'],
        access_token_format: 'jwt',
        id_token_signed_response_alg: 'ES256',
      });
      const badUri = await agent.request(`/console/clients/${clientId}`, formBody([['_csrf', token], ...VALID, ['post_logout_redirect_uris', 'http://evil.example/out']]));
      expect(fieldError(await badUri.text(), 'post_logout_redirect_uris')).toBe('"http://evil.example/out" must use https (http only on a loopback host)');
      const good = await agent.request(`/console/clients/${clientId}`, formBody([['_csrf', token], ...VALID.map(([k, v]): [string, string] => [k, k === 'client_name' ? 'Renamed' : k === 'client_uri' ? '' : v])]));
      expect(good.status).toBe(303);
      expect(good.headers.get('location')).toBe('/console?done=saved');
      const client = (await t.app.get(ClientsService).findByClientId(clientId))!;
      expect(client.metadata.client_name).toBe('Renamed');
      expect(client.metadata).not.toHaveProperty('client_uri');
      expect(await (await agent.get('/console?done=saved')).text()).toContain('Your changes were saved.');
    });

    it('rotates the secret: the new one is shown once and the old one stops working', async () => {
      const { agent } = await signedIn();
      const { clientId, secret } = await register(agent);
      const token = csrfOf(await (await agent.get(`/console/clients/${clientId}`)).text());
      const res = await agent.request(`/console/clients/${clientId}/secret`, formBody([['_csrf', token]]));
      const page = await res.text();
      expect(res.status).toBe(200);
      expect(page).toContain('<title>New client secret · Gatehouse</title>');
      const rotated = decode(/id="client-secret"[^>]*>([^<]+)</.exec(page)![1]);
      expect(rotated).not.toBe(secret);
      const clients = t.app.get(ClientsService);
      expect(await clients.authenticate(clientId, secret)).toBeNull();
      expect(await clients.authenticate(clientId, rotated)).not.toBeNull();
    });

    it('deletes the client', async () => {
      const { agent } = await signedIn();
      const { clientId } = await register(agent);
      const token = csrfOf(await (await agent.get(`/console/clients/${clientId}`)).text());
      const res = await agent.request(`/console/clients/${clientId}/delete`, formBody([['_csrf', token]]));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console?done=deleted');
      expect(await t.app.get(ClientsService).findByClientId(clientId)).toBeNull();
      expect((await agent.get(`/console/clients/${clientId}`)).status).toBe(404);
    });
  });

  describe('ownership', () => {
    it("answers 404 for another user's client on every route, and changes nothing", async () => {
      const owner = await signedIn();
      const { clientId, secret } = await register(owner.agent);
      const { agent } = await signedIn();
      const token = csrfOf(await (await agent.get('/console/clients/new')).text());
      const page = await agent.get(`/console/clients/${clientId}`);
      expect(page.status).toBe(404);
      const html = await page.text();
      expect(html).toContain('<title>Not found · Gatehouse</title>');
      expect(html).not.toContain('Console App');
      const update = await agent.request(`/console/clients/${clientId}`, formBody([['_csrf', token], ...VALID.map(([k, v]): [string, string] => [k, k === 'client_name' ? 'Hijacked' : v])]));
      expect(update.status).toBe(404);
      expect((await agent.request(`/console/clients/${clientId}/secret`, formBody([['_csrf', token]]))).status).toBe(404);
      expect((await agent.request(`/console/clients/${clientId}/delete`, formBody([['_csrf', token]]))).status).toBe(404);
      const client = (await t.app.get(ClientsService).findByClientId(clientId))!;
      expect(client.metadata.client_name).toBe('Console App');
      expect(await t.app.get(ClientsService).authenticate(clientId, secret)).not.toBeNull();
      expect(await (await agent.get('/console')).text()).not.toContain(clientId);
    });

    it('answers 404 for an unknown client and for a client made by the operator', async () => {
      const { agent } = await signedIn();
      expect((await agent.get('/console/clients/no-such-client')).status).toBe(404);
      const { client } = await t.app.get(ClientsService).create({ client_name: 'Operator', redirect_uris: ['https://op.example/cb'] });
      expect((await agent.get(`/console/clients/${client.clientId}`)).status).toBe(404);
    });
  });

  describe('authorized apps', () => {
    it('lists the apps the user approved and revoking one revokes its tokens', async () => {
      const dev = await signedIn();
      const { clientId, secret } = await register(dev.agent);
      const user = await signedIn();
      const pkce = pkcePair();
      const redirectUri = 'http://127.0.0.1:5555/callback';
      const authz = await user.agent.get(
        `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'profile', state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`,
      );
      const consent = parseForm(await authz.text());
      const approved = await user.agent.postForm(consent.action, { ...consent.fields, decision: 'approve' });
      const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
      const tokenRes = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier }, { authorization: basic(clientId, secret) });
      const tokens = (await tokenRes.json()) as { access_token: string; refresh_token: string };
      const profile = () => fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect((await profile()).status).toBe(200);

      const console = await (await user.agent.get('/console')).text();
      expect(console).toContain('Console App');
      expect(console).toContain(`action="/console/authorized-apps/${clientId}/revoke"`);
      // The developer's own console does not list it: they did not authorize it.
      expect(await (await dev.agent.get('/console')).text()).not.toContain('/revoke');

      const revoked = await user.agent.request(`/console/authorized-apps/${clientId}/revoke`, formBody([['_csrf', csrfOf(console)]]));
      expect(revoked.status).toBe(303);
      expect(revoked.headers.get('location')).toBe('/console?done=revoked');
      expect((await profile()).status).toBe(401);
      const refresh = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: basic(clientId, secret) });
      expect(refresh.status).toBe(400);
      const after = await (await user.agent.get('/console?done=revoked')).text();
      expect(after).toContain('Access revoked');
      expect(after).not.toContain(`/console/authorized-apps/${clientId}/revoke`);
      // The consent page asks again.
      expect((await user.agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'profile', code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`)).status).toBe(200);
      // Nothing left to revoke.
      const again = await user.agent.request(`/console/authorized-apps/${clientId}/revoke`, formBody([['_csrf', csrfOf(await (await user.agent.get('/console/clients/new')).text())]]));
      expect(again.status).toBe(404);
    });
  });

  describe('sign-up', () => {
    it('is off by default: /signup is 404', async () => {
      const agent = new UserAgent(t.url);
      expect((await agent.get('/signup')).status).toBe(404);
      const token = csrfOf(await (await agent.get('/login')).text());
      const res = await agent.request('/signup', formBody([['_csrf', token], ['username', 'mallory'], ['password', 'long enough password']]));
      expect(res.status).toBe(404);
      expect((await t.app.get(Db).query("SELECT id FROM user WHERE username = 'mallory'")).length).toBe(0);
    });

    describe('when SIGNUP_ENABLED=true', () => {
      let on: TestApp;
      beforeAll(async () => (on = await startApp(db, { SIGNUP_ENABLED: 'true' })));
      afterAll(() => on.close());

      it('creates the user with an argon2id hash and signs them in', async () => {
        const agent = new UserAgent(on.url);
        const page = await (await agent.get('/signup')).text();
        expect(page).toContain('<title>Create an account · Gatehouse</title>');
        expect(page).toContain('<label for="username">');
        expect(page).toContain('<label for="password">');
        const res = await agent.request('/signup', formBody([['_csrf', csrfOf(page)], ['return_to', '/console'], ['username', 'new.user@1'], ['email', 'new@example.com'], ['password', 'a good long password']]));
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toBe('/console');
        const console = await agent.get('/console');
        expect(console.status).toBe(200);
        expect(await console.text()).toContain('new.user@1');
        const [row] = await on.app.get(Db).query<{ password_hash: string; email: string }>("SELECT password_hash, email FROM user WHERE username = 'new.user@1'");
        expect(row.password_hash).toMatch(/^\$argon2id\$/);
        expect(row.email).toBe('new@example.com');
      });

      it("applies the admin API's rules, with each error next to its field", async () => {
        const agent = new UserAgent(on.url);
        const token = csrfOf(await (await agent.get('/signup')).text());
        const res = await agent.request('/signup', formBody([['_csrf', token], ['username', 'bad name!'], ['email', 'not-an-email'], ['password', 'short']]));
        const page = await res.text();
        expect(res.status).toBe(400);
        expect(fieldError(page, 'username')).toBe('must not contain spaces (RFC 8265 IdentifierClass)');
        expect(fieldError(page, 'email')).toBe('must be an email');
        expect(fieldError(page, 'password')).toBe('must be longer than or equal to 8 characters');
        expect(page).toContain('value="bad name!"');
        expect(page).not.toContain('value="short"');
        const long = await agent.request('/signup', formBody([['_csrf', token], ['username', 'x'.repeat(65)], ['password', 'p'.repeat(1025)]]));
        const longPage = await long.text();
        expect(fieldError(longPage, 'username')).toBe('must be shorter than or equal to 64 characters');
        expect(fieldError(longPage, 'password')).toBe('must be shorter than or equal to 1024 characters');
      });

      it('refuses a taken username and a missing CSRF token', async () => {
        const { user } = await userFactory.create(on);
        const agent = new UserAgent(on.url);
        const token = csrfOf(await (await agent.get('/signup')).text());
        const taken = await agent.request('/signup', formBody([['_csrf', token], ['username', user.username], ['password', 'a good long password']]));
        expect(taken.status).toBe(400);
        expect(fieldError(await taken.text(), 'username')).toBe('is already taken');
        const forged = await agent.request('/signup', formBody([['username', 'nocsrf'], ['password', 'a good long password']]));
        expect(forged.status).toBe(403);
      });
    });
  });
});
