/**
 * RFC 6749 §4.2 Implicit Grant: the access token comes back in the redirect URI's fragment, never
 * with a refresh token (§4.2.2); errors after the client and redirect URI are verified go in the
 * fragment too, with state (§4.2.2.1). IMPLICIT_ENABLED=false turns the grant off.
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { ServerMetadata, authorizeAt, discover, fragmentParams, getWithBearer } from '../support/discovery';
import { DEFAULT_REDIRECT_URI, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('RFC 6749 §4.2 implicit grant (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db, { IMPLICIT_ENABLED: 'true' });
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup(overrides: Parameters<typeof clientFactory.create>[1] = { grant_types: ['implicit'] }) {
    const { client } = await clientFactory.create(t, overrides);
    const { user, password } = await userFactory.create(t);
    return { clientId: client.client_id, user, login: { username: user.username, password } };
  }

  it('redirects with access_token, token_type, expires_in, scope and state in the fragment, no refresh_token and no query', async () => {
    const { clientId, user, login } = await setup();
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: clientId, redirect_uri: DEFAULT_REDIRECT_URI, state: 'st-1' }, login);
    expect(cb.origin + cb.pathname).toBe(DEFAULT_REDIRECT_URI);
    expect(cb.search).toBe('');
    const fragment = fragmentParams(cb);
    expect(fragment).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), token_type: 'Bearer', expires_in: '3600', scope: 'profile email', state: 'st-1', iss: t.url });
    expect(fragment).not.toHaveProperty('refresh_token');

    const profile = await getWithBearer(`${t.url}/api/profile`, fragment.access_token);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ id: user.id, username: user.username, email: user.email });
  });

  it('narrows the token to the requested scope', async () => {
    const { clientId, user, login } = await setup();
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: clientId, scope: 'profile', state: 's' }, login);
    const fragment = fragmentParams(cb);
    expect(fragment).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope: 'profile', state: 's', iss: t.url });
    const profile = await getWithBearer(`${t.url}/api/profile`, fragment.access_token);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ id: user.id, username: user.username });
  });

  it('sends invalid_scope back in the fragment with state, without asking the user', async () => {
    const { clientId, login } = await setup({ grant_types: ['implicit'], scope: 'profile' });
    const agent = new UserAgent(t.url);
    for (const scope of ['email', 'admin', 'profile admin']) {
      const cb = await authorizeAt(agent, meta.authorization_endpoint, { response_type: 'token', client_id: clientId, scope, state: 'st-2' }, login);
      expect(cb.origin + cb.pathname).toBe(DEFAULT_REDIRECT_URI);
      expect(cb.search).toBe('');
      expect(fragmentParams(cb)).toEqual({
        error: 'invalid_scope',
        error_description: 'the requested scope is unknown or exceeds what was granted to this client',
        state: 'st-2',
        iss: t.url,
      });
    }
    expect(agent.cookies.size).toBe(0); // never reached the login page
  });

  it('sends access_denied back in the fragment with state when the user denies', async () => {
    const { clientId, login } = await setup();
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: clientId, state: 'st-3' }, login, 'deny');
    expect(cb.origin + cb.pathname).toBe(DEFAULT_REDIRECT_URI);
    expect(cb.search).toBe('');
    expect(fragmentParams(cb)).toEqual({ error: 'access_denied', error_description: 'the resource owner denied the request', state: 'st-3', iss: t.url });
  });

  it('answers unauthorized_client in the fragment to a client not registered for implicit', async () => {
    const { clientId, login } = await setup({ grant_types: ['authorization_code'] });
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: clientId, state: 'st-4' }, login);
    expect(cb.origin + cb.pathname).toBe(DEFAULT_REDIRECT_URI);
    // response_type=token answers in fragment mode whatever the client may use (§4.2.2.1).
    expect(cb.search).toBe('');
    expect(fragmentParams(cb)).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use response_type token', state: 'st-4', iss: t.url });
  });

  it('shows an error page, never redirecting, for an unregistered redirect_uri', async () => {
    const { clientId } = await setup();
    const res = await new UserAgent(t.url).get(`${meta.authorization_endpoint}?${new URLSearchParams({ response_type: 'token', client_id: clientId, redirect_uri: 'https://evil.example.com/cb', state: 's' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('advertises token and implicit in the metadata', () => {
    expect(meta.response_types_supported).toContain('token');
    expect(meta.grant_types_supported).toContain('implicit');
  });
});

describe.each(DATABASES)('RFC 6749 §4.2 implicit grant off by default (IMPLICIT_ENABLED=false, RFC 9700 §2.1.2) (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db);
    meta = await discover(t);
  });
  afterAll(() => t.close());

  it('answers unsupported_response_type in the fragment (§4.2.2.1) with state', async () => {
    const { client } = await clientFactory.create(t, { grant_types: ['authorization_code', 'implicit'] });
    const { user, password } = await userFactory.create(t);
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: client.client_id, state: 'st-5' }, { username: user.username, password });
    expect(cb.origin + cb.pathname).toBe(DEFAULT_REDIRECT_URI);
    expect(cb.search).toBe('');
    expect(fragmentParams(cb)).toEqual({ error: 'unsupported_response_type', error_description: 'response_type is not supported', state: 'st-5', iss: t.url });
  });

  it('drops token from response_types_supported and implicit from grant_types_supported', () => {
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.response_modes_supported).toEqual(['query', 'fragment', 'form_post']);
    expect(meta.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);
  });
});
