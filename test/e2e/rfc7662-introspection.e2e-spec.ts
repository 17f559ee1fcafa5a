/**
 * RFC 7662 Token Introspection. Only authenticated (confidential) clients may call it (§2.1, §4).
 * A client sees its own tokens; one registered with `introspection: true` (a resource server) sees
 * every client's. Anything else — expired, revoked, unknown, malformed, another client's — is
 * exactly {"active": false} (§2.2).
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { basic } from '../support/http';
import { JsonAnswer, ServerMetadata, discover, postFormJson, expectNoStoreJson } from '../support/discovery';
import { ClientInput, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';
import { adminRequest } from '../factories/admin-request';

function expectInactive(res: JsonAnswer) {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ active: false });
  expectNoStoreJson(res.headers);
}

describe.each(DATABASES)('RFC 7662 token introspection (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true' }); // the password grant is off by default
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup(overrides: Partial<ClientInput> = {}) {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['password', 'refresh_token', 'client_credentials'], ...overrides });
    const { user, password } = await userFactory.create(t);
    const auth = { authorization: basic(client.client_id, secret!) };
    const tokens = async (scope?: string) => {
      const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password, ...(scope ? { scope } : {}) }, auth);
      expect(res.status).toBe(200);
      return res.body as { access_token: string; refresh_token: string };
    };
    const introspect = (fields: Record<string, string>) => postFormJson(meta.introspection_endpoint, fields, auth);
    return { clientId: client.client_id, secret: secret!, user, auth, tokens, introspect };
  }

  it('describes an active access token', async () => {
    const c = await setup();
    const now = t.clock.now();
    const { access_token } = await c.tokens();
    const res = await c.introspect({ token: access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      active: true,
      scope: 'profile email',
      client_id: c.clientId,
      username: c.user.username,
      sub: String(c.user.id),
      token_type: 'Bearer',
      exp: now + 3600,
      iat: now,
      iss: t.url,
      aud: t.url,
    });
    expect(res.body.iss).toBe(meta.issuer);
    expectNoStoreJson(res.headers);
  });

  it('describes an active refresh token, whatever the hint', async () => {
    const c = await setup();
    const now = t.clock.now();
    const { refresh_token } = await c.tokens('profile');
    const expected = {
      active: true,
      scope: 'profile',
      client_id: c.clientId,
      username: c.user.username,
      sub: String(c.user.id),
      exp: now + 2 * 3600, // REFRESH_TOKEN_TTL_FACTOR × expires_in
      iat: now,
      iss: meta.issuer,
      aud: meta.issuer,
    };
    for (const hint of [{}, { token_type_hint: 'refresh_token' }, { token_type_hint: 'access_token' }] as Array<Record<string, string>>) {
      const res = await c.introspect({ token: refresh_token, ...hint });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expected);
    }
  });

  it('describes a client_credentials token without a user', async () => {
    const c = await setup();
    const now = t.clock.now();
    const issued = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', scope: 'email' }, c.auth);
    const res = await c.introspect({ token: issued.body.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: true, scope: 'email', client_id: c.clientId, token_type: 'Bearer', exp: now + 3600, iat: now, iss: meta.issuer, aud: meta.issuer });
  });

  it('answers {"active": false} for an expired access token, and for an expired refresh token', async () => {
    const c = await setup();
    const { access_token, refresh_token } = await c.tokens();
    t.clock.advance(3599);
    expect((await c.introspect({ token: access_token })).body.active).toBe(true);
    t.clock.advance(1);
    expectInactive(await c.introspect({ token: access_token }));
    expect((await c.introspect({ token: refresh_token })).body.active).toBe(true);
    t.clock.advance(3600);
    expectInactive(await c.introspect({ token: refresh_token }));
  });

  it('answers {"active": false} for a revoked token', async () => {
    const c = await setup();
    const { access_token, refresh_token } = await c.tokens();
    expect((await postFormJson(meta.revocation_endpoint, { token: access_token }, c.auth)).status).toBe(200);
    expectInactive(await c.introspect({ token: access_token }));
    expectInactive(await c.introspect({ token: refresh_token }));
  });

  it('answers exactly {"active":false} for an unknown or malformed token', async () => {
    const c = await setup();
    for (const token of ['no-such-token', 'not a token at all!', '\u00e9\u00e8', 'x'.repeat(5000)]) {
      const raw = await fetch(meta.introspection_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...c.auth },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe('{"active":false}');
    }
  });

  it("answers {\"active\": false} for another client's token, unless the caller is registered with introspection: true", async () => {
    const owner = await setup();
    const resourceServer = await setup();
    const { access_token } = await owner.tokens();
    expectInactive(await resourceServer.introspect({ token: access_token }));

    const patched = await adminRequest(t, 'PATCH', `/admin/clients/${resourceServer.clientId}`, { introspection: true });
    expect(patched.status).toBe(200);
    expect(patched.body.introspection).toBe(true);

    const res = await resourceServer.introspect({ token: access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      active: true,
      scope: 'profile email',
      client_id: owner.clientId,
      username: owner.user.username,
      sub: String(owner.user.id),
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: meta.issuer,
      aud: meta.issuer,
    });
    expect(res.body.exp - res.body.iat).toBe(3600);
  });

  it('accepts client_secret_post from a client registered for it', async () => {
    const c = await setup({ token_endpoint_auth_method: 'client_secret_post' });
    const issued = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.secret });
    expect(issued.status).toBe(200);
    const res = await postFormJson(meta.introspection_endpoint, { token: issued.body.access_token, client_id: c.clientId, client_secret: c.secret });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(true);
    expect(res.body.client_id).toBe(c.clientId);
  });

  it('answers 401 invalid_client to a public client', async () => {
    const { client } = await clientFactory.create(t, { grant_types: ['password'], token_endpoint_auth_method: 'none' });
    const { user, password } = await userFactory.create(t);
    const issued = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password, client_id: client.client_id });
    expect(issued.status).toBe(200);
    const res = await postFormJson(meta.introspection_endpoint, { token: issued.body.access_token, client_id: client.client_id });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'this endpoint needs an authenticated client' });
    expectNoStoreJson(res.headers);
  });

  it('answers 401 invalid_client without client authentication', async () => {
    const c = await setup();
    const { access_token } = await c.tokens();
    const res = await postFormJson(meta.introspection_endpoint, { token: access_token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication is required' });
    expectNoStoreJson(res.headers);
  });

  it('answers 401 invalid_client with WWW-Authenticate: Basic for a wrong secret', async () => {
    const c = await setup();
    const { access_token } = await c.tokens();
    const res = await postFormJson(meta.introspection_endpoint, { token: access_token }, { authorization: basic(c.clientId, 'wrong-secret') });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
    expectNoStoreJson(res.headers);
  });

  it('answers invalid_request when token is missing', async () => {
    const c = await setup();
    const res = await c.introspect({ token_type_hint: 'access_token' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'token is required' });
    expectNoStoreJson(res.headers);
  });
});
