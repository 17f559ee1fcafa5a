/**
 * OpenID Connect Core §5.3 UserInfo: GET and POST with a bearer token (header only), the claims of
 * the granted scope, and RFC 6750 errors.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { postForm } from '../support/http';
import { obtainTokens, provision, tokenRequest } from '../support/oauth-flow';

const INVALID = 'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid, expired or revoked"';

describe.each(DATABASES)('OpenID Connect userinfo (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  const userinfo = async (token: string | null, method: 'GET' | 'POST' = 'GET', body?: string) => {
    const res = await fetch(`${t.url}/oauth/userinfo`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  it('answers sub, preferred_username, name, email and email_verified for openid profile email, by GET and POST', async () => {
    const p = await provision(t, { scope: 'openid profile email' });
    const tokens = await obtainTokens(t, p, { scope: 'openid profile email' });
    const expected = { sub: String(p.userId), preferred_username: p.username, name: p.username, email: `${p.username}@example.com`, email_verified: false };
    const get = await userinfo(tokens.access_token);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(expected);
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const post = await userinfo(tokens.access_token, 'POST');
    expect(post.status).toBe(200);
    expect(post.body).toEqual(expected);
  });

  it('answers only sub for openid alone, and the profile claims without email for openid profile', async () => {
    const p = await provision(t, { scope: 'openid profile email' });
    expect((await userinfo((await obtainTokens(t, p, { scope: 'openid' })).access_token)).body).toEqual({ sub: String(p.userId) });
    expect((await userinfo((await obtainTokens(t, p, { scope: 'openid profile' })).access_token)).body).toEqual({ sub: String(p.userId), preferred_username: p.username, name: p.username });
  });

  it('answers 403 insufficient_scope for a token without openid; /api/profile is unchanged', async () => {
    const p = await provision(t, { scope: 'openid profile email' });
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const res = await userinfo(tokens.access_token);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'this resource needs the scope "openid"' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse", error="insufficient_scope", error_description="this resource needs the scope openid", scope="openid"');
    const profile = await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await profile.json()).toEqual({ id: p.userId, username: p.username });
  });

  it('answers 401 without a token, with a token in the body, with an unknown or revoked token', async () => {
    const p = await provision(t, { scope: 'openid profile' });
    const tokens = await obtainTokens(t, p, { scope: 'openid' });
    const none = await userinfo(null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    const inBody = await userinfo(null, 'POST', new URLSearchParams({ access_token: tokens.access_token }).toString());
    expect(inBody.status).toBe(401);
    expect(inBody.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    const unknown = await userinfo('x'.repeat(43));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' });
    expect(unknown.headers.get('www-authenticate')).toBe(INVALID);
    const revoke = await postForm(`${t.url}/oauth/revoke`, { token: tokens.access_token }, { authorization: `Basic ${Buffer.from(`${p.clientId}:${p.secret}`).toString('base64')}` });
    expect(revoke.status).toBe(200);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it('answers 401 for a client_credentials token (no end-user)', async () => {
    const p = await provision(t, { scope: 'openid profile', grant_types: ['client_credentials'], redirect_uris: [] });
    const issued = await tokenRequest(t, p, { grant_type: 'client_credentials', scope: 'openid' });
    const res = await userinfo(issued.body.access_token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'this token was not issued for a user' });
  });

  it("answers CORS for the token's client origins only; discovery and JWKS for any origin", async () => {
    const spa = 'http://127.0.0.1:5173';
    const p = await provision(t, { scope: 'openid profile', token_endpoint_auth_method: 'none', redirect_uris: [`${spa}/cb`] });
    const tokens = await obtainTokens(t, { ...p, authMethod: 'none' } as never, { scope: 'openid' });
    const call = (origin: string) => fetch(`${t.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}`, origin } });
    const allowed = await call(spa);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(spa);
    const foreign = await call('https://evil.example');
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/oauth/userinfo`, { method: 'OPTIONS', headers: { origin: spa, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(spa);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST');
    for (const path of ['/oauth/jwks', '/.well-known/openid-configuration']) {
      const res = await fetch(`${t.url}${path}`, { headers: { origin: 'https://anyone.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://anyone.example');
    }
  });
});
