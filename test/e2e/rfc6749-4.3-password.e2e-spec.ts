/**
 * RFC 6749 §4.3 Resource Owner Password Credentials Grant: the client trades a user's username
 * and password for tokens (§4.3.2, §4.3.3). Wrong credentials and an unknown user answer the same
 * invalid_grant. PASSWORD_GRANT_ENABLED=false turns the grant off.
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { basic } from '../support/http';
import { ServerMetadata, discover, getWithBearer, postFormJson, expectNoStoreJson, TOKEN } from '../support/discovery';
import { ClientInput, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('RFC 6749 §4.3 password grant (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true' });
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup(overrides: Partial<ClientInput> = {}) {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['password', 'refresh_token'], ...overrides });
    const { user, password } = await userFactory.create(t);
    return { auth: { authorization: basic(client.client_id, secret!) }, clientId: client.client_id, secret: secret!, user, password };
  }

  it('issues an access token and a refresh token to a client with the refresh_token grant', async () => {
    const { auth, user, password } = await setup();
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), scope: 'profile email' });
    expectNoStoreJson(res.headers);

    const profile = await getWithBearer(`${t.url}/api/profile`, res.body.access_token);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ id: user.id, username: user.username, email: user.email });

    const refreshed = await postFormJson(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token }, auth);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'profile email' });
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    const { auth, user, password } = await setup({ grant_types: ['password'] });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, scope: 'profile email' });
  });

  it('narrows the token to the requested scope', async () => {
    const { auth, user, password } = await setup();
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password, scope: 'profile' }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'profile' });
    const profile = await getWithBearer(`${t.url}/api/profile`, res.body.access_token);
    expect(profile.body).toEqual({ id: user.id, username: user.username });
  });

  it('answers a wrong password and an unknown user with the same invalid_grant body', async () => {
    const { auth, user } = await setup();
    const wrong = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password: 'not the password' }, auth);
    const unknown = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: 'nobody-at-all', password: 'not the password' }, auth);
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: 'invalid username or password' });
    expect(JSON.stringify(unknown.body)).toBe(JSON.stringify(wrong.body));
    expectNoStoreJson(wrong.headers);
    expectNoStoreJson(unknown.headers);
  });

  it('answers invalid_request when username or password is missing', async () => {
    const { auth, user, password } = await setup();
    const noUser = await postFormJson(meta.token_endpoint, { grant_type: 'password', password }, auth);
    expect(noUser.status).toBe(400);
    expect(noUser.body).toEqual({ error: 'invalid_request', error_description: 'username is required' });
    expectNoStoreJson(noUser.headers);
    const noPassword = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username }, auth);
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toEqual({ error: 'invalid_request', error_description: 'password is required' });
    // §3.2: a parameter sent without a value is treated as omitted.
    const empty = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password: '' }, auth);
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ error: 'invalid_request', error_description: 'password is required' });
  });

  it('answers invalid_scope for an unknown or unregistered scope', async () => {
    const { auth, user, password } = await setup({ scope: 'profile' });
    for (const scope of ['email', 'admin', 'profile email']) {
      const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password, scope }, auth);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: 'the requested scope is unknown or exceeds what was granted to this client' });
      expectNoStoreJson(res.headers);
    }
  });

  it('answers unauthorized_client to a client not registered for the password grant', async () => {
    const { auth, user, password } = await setup({ grant_types: ['client_credentials'] });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password }, auth);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use the password grant' });
    expectNoStoreJson(res.headers);
  });

  it('answers invalid_client with 401 and WWW-Authenticate: Basic for a wrong secret', async () => {
    const { clientId, user, password } = await setup();
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password }, { authorization: basic(clientId, 'wrong-secret') });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
    expectNoStoreJson(res.headers);
  });

  it('advertises the password grant in the metadata', () => {
    expect(meta.grant_types_supported).toContain('password');
  });
});

describe.each(DATABASES)('RFC 6749 §4.3 password grant off by default (PASSWORD_GRANT_ENABLED=false, RFC 9700 §2.4) (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db);
    meta = await discover(t);
  });
  afterAll(() => t.close());

  it('answers unsupported_grant_type even to a client registered for it', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['password'] });
    const { user, password } = await userFactory.create(t);
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password }, { authorization: basic(client.client_id, secret!) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant_type is not supported' });
    expectNoStoreJson(res.headers);
  });

  it('drops password from grant_types_supported', () => {
    expect(meta.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);
  });
});
