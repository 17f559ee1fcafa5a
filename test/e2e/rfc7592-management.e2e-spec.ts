import { DATABASES, TestApp, startApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { UserAgent, basic, postForm } from '../support/http';
import { getProfile, obtainTokens, pkcePair } from '../support/oauth-flow';
import { mcpClientMetadata, registrationRequest } from '../support/registration';

describe.each(DATABASES)('RFC 7592 client registration management (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(databaseUrl, { REGISTRATION: 'open' });
  });
  afterAll(() => t.close());

  const register = async (overrides: Record<string, unknown> = {}) => {
    const res = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata(overrides));
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  };

  it('registers a client with no client_name under a placeholder name', async () => {
    const { client_name: _name, ...rest } = mcpClientMetadata();
    const res = await registrationRequest(t, 'POST', '/oauth/register', rest);
    expect(res.status).toBe(201);
    expect(res.body.client_name).toBe('Unnamed application');
  });

  describe('GET registration_client_uri', () => {
    it('answers the current metadata with the registration access token', async () => {
      const reg = await register();
      const { client_secret: _s, ...expected } = reg;
      const res = await registrationRequest(t, 'GET', reg.registration_client_uri, undefined, reg.registration_access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual(expected);
    });

    it.each([
      ['no token', () => undefined],
      ['a wrong token', () => 'wrong-token-wrong-token-wrong-token-wrong00'],
    ])('refuses %s with 401 invalid_token and a Bearer challenge', async (_what, token) => {
      const reg = await register();
      const res = await registrationRequest(t, 'GET', reg.registration_client_uri, undefined, token());
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it("refuses another client's registration access token", async () => {
      const a = await register();
      const b = await register();
      const res = await registrationRequest(t, 'GET', a.registration_client_uri, undefined, b.registration_access_token);
      expect(res.status).toBe(401);
    });

    it("answers 401 for an unknown client and for an operator's client (no registration to manage)", async () => {
      const reg = await register();
      expect((await registrationRequest(t, 'GET', '/oauth/register/unknown-client', undefined, reg.registration_access_token)).status).toBe(401);
      const operator = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'Operator', redirect_uris: ['https://op.example/cb'] });
      expect((await registrationRequest(t, 'GET', `/oauth/register/${operator.body.client_id}`, undefined, reg.registration_access_token)).status).toBe(401);
    });
  });

  describe('PUT registration_client_uri', () => {
    it('replaces the metadata as a whole: fields left out return to their defaults', async () => {
      const reg = await register({ client_uri: 'https://agent.example', scope: 'profile' });
      const res = await registrationRequest(t, 'PUT', reg.registration_client_uri, { client_id: reg.client_id, client_name: 'Renamed', redirect_uris: ['http://127.0.0.1:5000/cb'], token_endpoint_auth_method: 'none', registration_access_token: 'ignored', client_id_issued_at: 1 }, reg.registration_access_token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ client_id: reg.client_id, client_id_issued_at: reg.client_id_issued_at, client_name: 'Renamed', redirect_uris: ['http://127.0.0.1:5000/cb'], scope: 'openid profile email', grant_types: ['authorization_code'], registration_access_token: reg.registration_access_token });
      expect(res.body).not.toHaveProperty('client_uri');
      const again = await registrationRequest(t, 'GET', reg.registration_client_uri, undefined, reg.registration_access_token);
      expect(again.body).toEqual(res.body);
    });

    it('takes effect at once: the old redirect URI is refused at the authorization endpoint', async () => {
      const reg = await register();
      const agent = new UserAgent(t.url);
      const pkce = pkcePair();
      const query = (redirect: string) => `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: reg.client_id, redirect_uri: redirect, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`;
      expect((await agent.get(query('http://127.0.0.1:33418/callback'))).status).toBe(302);
      const put = await registrationRequest(t, 'PUT', reg.registration_client_uri, { ...mcpClientMetadata({ redirect_uris: ['http://127.0.0.1:5001/cb'] }), client_id: reg.client_id }, reg.registration_access_token);
      expect(put.status).toBe(200);
      expect((await agent.get(query('http://127.0.0.1:33418/callback'))).status).toBe(400);
    });

    it('refuses a body without this client_id, or with a wrong client_secret, with invalid_request', async () => {
      const reg = await register({ token_endpoint_auth_method: 'client_secret_post' });
      const body = mcpClientMetadata({ token_endpoint_auth_method: 'client_secret_post' });
      const put = (extra: Record<string, unknown>) => registrationRequest(t, 'PUT', reg.registration_client_uri, { ...body, ...extra }, reg.registration_access_token);
      expect((await put({})).body.error).toBe('invalid_request');
      expect((await put({ client_id: 'someone-else' })).status).toBe(400);
      expect((await put({ client_id: reg.client_id, client_secret: 'wrong' })).body.error).toBe('invalid_request');
      const ok = await put({ client_id: reg.client_id, client_secret: reg.client_secret });
      expect(ok.status).toBe(200);
      // The secret stays: it still authenticates.
      const auth = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: 'x', client_id: reg.client_id, client_secret: reg.client_secret });
      expect(((await auth.json()) as { error: string }).error).toBe('invalid_grant');
    });

    it('holds the new metadata to the self-registration rules', async () => {
      const reg = await register();
      const res = await registrationRequest(t, 'PUT', reg.registration_client_uri, { ...mcpClientMetadata({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' }), client_id: reg.client_id }, reg.registration_access_token);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      const bad = await registrationRequest(t, 'PUT', reg.registration_client_uri, { ...mcpClientMetadata({ redirect_uris: ['http://evil.example/cb'] }), client_id: reg.client_id }, reg.registration_access_token);
      expect(bad.body.error).toBe('invalid_redirect_uri');
    });

    it('refuses a wrong registration access token', async () => {
      const reg = await register();
      const res = await registrationRequest(t, 'PUT', reg.registration_client_uri, { ...mcpClientMetadata(), client_id: reg.client_id }, 'nope');
      expect(res.status).toBe(401);
    });
  });

  describe('DELETE registration_client_uri', () => {
    it('answers 204, deletes the client and its tokens, and the registration access token is then 401', async () => {
      const reg = await register({ token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://agent.example/cb'] });
      const { user, password } = await userFactory.create(t);
      const tokens = await obtainTokens(t, { clientId: reg.client_id, secret: reg.client_secret, username: user.username, password, userId: user.id, redirectUri: 'https://agent.example/cb' });
      expect((await getProfile(t, tokens.access_token)).status).toBe(200);

      expect((await registrationRequest(t, 'DELETE', reg.registration_client_uri, undefined, 'wrong')).status).toBe(401);
      const res = await registrationRequest(t, 'DELETE', reg.registration_client_uri, undefined, reg.registration_access_token);
      expect(res.status).toBe(204);
      expect((await getProfile(t, tokens.access_token)).status).toBe(401);
      const get = await registrationRequest(t, 'GET', reg.registration_client_uri, undefined, reg.registration_access_token);
      expect(get.status).toBe(401);
      expect(get.body.error).toBe('invalid_token');
      expect((await registrationRequest(t, 'DELETE', reg.registration_client_uri, undefined, reg.registration_access_token)).status).toBe(401);
      const auth = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { authorization: basic(reg.client_id, reg.client_secret) });
      expect(auth.status).toBe(401);
      expect((await adminRequest(t, 'GET', `/admin/clients/${reg.client_id}`)).status).toBe(404);
    });
  });
});
