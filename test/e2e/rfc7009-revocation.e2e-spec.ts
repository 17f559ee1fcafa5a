/**
 * RFC 7009 Token Revocation. Revoking an access token revokes the refresh token issued with it;
 * revoking a refresh token revokes the access tokens of its rotation family (§2.1). Unknown,
 * already revoked, or another client's token: 200 and nothing done (§2.2). The hint only orders
 * the search (§2.1).
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { basic } from '../support/http';
import { JsonAnswer, ServerMetadata, discover, getWithBearer, postFormJson, expectNoStoreJson } from '../support/discovery';
import { ClientInput, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';
import { adminRequest } from '../factories/admin-request';

/** §2.2: "The authorization server responds with HTTP status code 200"; the body is ignored, and ours is {}. */
function expectRevoked(res: JsonAnswer) {
  expect(res.status).toBe(200);
  expect(res.body).toEqual({});
  expectNoStoreJson(res.headers);
}

describe.each(DATABASES)('RFC 7009 token revocation (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true' }); // the password grant is off by default
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup(overrides: Partial<ClientInput> = {}) {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['password', 'refresh_token'], ...overrides });
    const { user, password } = await userFactory.create(t);
    const auth: Record<string, string> = secret ? { authorization: basic(client.client_id, secret) } : {};
    const idParam: Record<string, string> = secret ? {} : { client_id: client.client_id };
    const tokens = async () => {
      const res = await postFormJson(meta.token_endpoint, { grant_type: 'password', username: user.username, password, ...idParam }, auth);
      expect(res.status).toBe(200);
      return res.body as { access_token: string; refresh_token: string };
    };
    const refresh = (refreshToken: string) => postFormJson(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: refreshToken, ...idParam }, auth);
    const revoke = (fields: Record<string, string>) => postFormJson(meta.revocation_endpoint, { ...fields, ...idParam }, auth);
    return { clientId: client.client_id, secret, auth, tokens, refresh, revoke };
  }

  const profileStatus = async (accessToken: string) => (await getWithBearer(`${t.url}/api/profile`, accessToken)).status;

  async function expectAccessTokenDead(accessToken: string) {
    const res = await getWithBearer(`${t.url}/api/profile`, accessToken);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' });
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid, expired or revoked", resource_metadata="${t.url}/.well-known/oauth-protected-resource/api/profile"`);
  }

  async function expectRefreshTokenDead(refresh: (r: string) => Promise<JsonAnswer>, refreshToken: string) {
    const res = await refresh(refreshToken);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'refresh token is invalid' });
  }

  it('revokes an access token and the refresh token issued with it', async () => {
    const c = await setup();
    const { access_token, refresh_token } = await c.tokens();
    expect(await profileStatus(access_token)).toBe(200);
    expectRevoked(await c.revoke({ token: access_token, token_type_hint: 'access_token' }));
    await expectAccessTokenDead(access_token);
    await expectRefreshTokenDead(c.refresh, refresh_token);
    const events = await adminRequest(t, 'GET', `/admin/events?type=token.revoked&client_id=${c.clientId}`);
    expect(events.body.data).toEqual([
      expect.objectContaining({ client_id: c.clientId, ip: '127.0.0.1', detail: { token_id: expect.any(Number), token_type: 'access_token', by: 'client' } }),
    ]);
  });

  it('revokes a refresh token with every access token of its rotation family', async () => {
    const c = await setup();
    const first = await c.tokens();
    const rotated = await c.refresh(first.refresh_token);
    expect(rotated.status).toBe(200);
    const second = rotated.body as { access_token: string; refresh_token: string };
    expect(await profileStatus(first.access_token)).toBe(200);
    expect(await profileStatus(second.access_token)).toBe(200);

    expectRevoked(await c.revoke({ token: second.refresh_token, token_type_hint: 'refresh_token' }));
    await expectAccessTokenDead(first.access_token);
    await expectAccessTokenDead(second.access_token);
    await expectRefreshTokenDead(c.refresh, second.refresh_token);
  });

  it('leaves other families alone', async () => {
    const c = await setup();
    const a = await c.tokens();
    const b = await c.tokens();
    expectRevoked(await c.revoke({ token: a.refresh_token }));
    await expectAccessTokenDead(a.access_token);
    expect(await profileStatus(b.access_token)).toBe(200);
    expect((await c.refresh(b.refresh_token)).status).toBe(200);
  });

  it('finds the token whatever the hint says', async () => {
    const c = await setup();
    const one = await c.tokens();
    expectRevoked(await c.revoke({ token: one.access_token, token_type_hint: 'refresh_token' }));
    await expectAccessTokenDead(one.access_token);

    const two = await c.tokens();
    expectRevoked(await c.revoke({ token: two.refresh_token, token_type_hint: 'access_token' }));
    await expectAccessTokenDead(two.access_token);
    await expectRefreshTokenDead(c.refresh, two.refresh_token);

    // An unknown hint is ignored (§2.1: the server MAY ignore it).
    const three = await c.tokens();
    expectRevoked(await c.revoke({ token: three.access_token, token_type_hint: 'id_token' }));
    await expectAccessTokenDead(three.access_token);
  });

  it("answers 200 for another client's token and does not revoke it", async () => {
    const owner = await setup();
    const other = await setup();
    const tokens = await owner.tokens();
    expectRevoked(await other.revoke({ token: tokens.access_token }));
    expectRevoked(await other.revoke({ token: tokens.refresh_token }));
    expect(await profileStatus(tokens.access_token)).toBe(200);
    expect((await owner.refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('answers 200 for an unknown or an already revoked token', async () => {
    const c = await setup();
    expectRevoked(await c.revoke({ token: 'no-such-token' }));
    expectRevoked(await c.revoke({ token: 'no-such-token', token_type_hint: 'refresh_token' }));
    const { access_token, refresh_token } = await c.tokens();
    expectRevoked(await c.revoke({ token: access_token }));
    expectRevoked(await c.revoke({ token: access_token }));
    expectRevoked(await c.revoke({ token: refresh_token }));
    await expectAccessTokenDead(access_token);
  });

  it('lets a public client revoke its own tokens with client_id alone', async () => {
    const c = await setup({ token_endpoint_auth_method: 'none' });
    const { access_token, refresh_token } = await c.tokens();
    expectRevoked(await c.revoke({ token: refresh_token }));
    await expectAccessTokenDead(access_token);
    await expectRefreshTokenDead(c.refresh, refresh_token);
  });

  it('answers invalid_request when token is missing', async () => {
    const c = await setup();
    const res = await c.revoke({ token_type_hint: 'access_token' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'token is required' });
    expectNoStoreJson(res.headers);
  });

  it('answers 401 invalid_client without client authentication, and revokes nothing', async () => {
    const c = await setup();
    const { access_token } = await c.tokens();
    const res = await postFormJson(meta.revocation_endpoint, { token: access_token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication is required' });
    expectNoStoreJson(res.headers);
    expect(await profileStatus(access_token)).toBe(200);
  });

  it('answers 401 invalid_client with WWW-Authenticate: Basic for a wrong secret, and revokes nothing', async () => {
    const c = await setup();
    const { access_token } = await c.tokens();
    const res = await postFormJson(meta.revocation_endpoint, { token: access_token }, { authorization: basic(c.clientId, 'wrong-secret') });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
    expectNoStoreJson(res.headers);
    expect(await profileStatus(access_token)).toBe(200);
  });
});
