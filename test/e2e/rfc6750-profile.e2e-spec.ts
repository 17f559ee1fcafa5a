/**
 * RFC 6750 bearer tokens at the protected resource GET /api/profile: the Authorization header
 * only (OAuth 2.1: a token in the query or body counts as no token), §3 challenges (401 without
 * an error code for no token, invalid_token, 403 insufficient_scope with the needed scope).
 */
import { request as httpRequest } from 'node:http';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm, readJson } from '../support/http';
import { AdminProvisioned, getProfile, obtainTokens, provisionThroughAdmin } from '../support/oauth-flow';

const NO_TOKEN_CHALLENGE = 'Bearer realm="gatehouse"';
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid, expired or revoked"';
const INSUFFICIENT_SCOPE_CHALLENGE = 'Bearer realm="gatehouse", error="insufficient_scope", error_description="this resource needs the scope profile", scope="profile"';

describe.each(DATABASES)('RFC 6750 bearer tokens at /api/profile (%s)', (_name, db) => {
  let t: TestApp;
  let p: AdminProvisioned;
  beforeAll(async () => {
    t = await startApp(db);
    p = await provisionThroughAdmin(t);
  });
  afterAll(() => t.close());

  const profileUrl = () => `${t.url}/api/profile`;
  // RFC 9728 §5.1: every challenge names the resource's metadata.
  const resourceMetadata = () => `, resource_metadata="${t.url}/.well-known/oauth-protected-resource/api/profile"`;

  async function expectNoToken(res: { status: number; headers: Headers; body: unknown }) {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${NO_TOKEN_CHALLENGE}${resourceMetadata()}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error_description: 'a bearer token is required' });
  }

  function expectInvalidToken(res: { status: number; headers: Headers; body: unknown }) {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`${INVALID_TOKEN_CHALLENGE}${resourceMetadata()}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' });
  }

  function expectInsufficientScope(res: { status: number; headers: Headers; body: unknown }) {
    expect(res.status).toBe(403);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('www-authenticate')).toBe(`${INSUFFICIENT_SCOPE_CHALLENGE}${resourceMetadata()}`);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'this resource needs the scope "profile"' });
  }

  it('answers the user with a valid token: id and username, and email with the email scope', async () => {
    const tokens = await obtainTokens(t, p);
    const res = await getProfile(t, tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ id: p.userId, username: p.username, email: `${p.username}@example.com` });
  });

  it('leaves email out without the email scope', async () => {
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const res = await getProfile(t, tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: p.userId, username: p.username });
  });

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    const tokens = await obtainTokens(t, p);
    const res = await fetch(profileUrl(), { headers: { authorization: `bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
  });

  it('answers 401 with a bare challenge (no error code) without a token', async () => {
    await expectNoToken(await readJson(await fetch(profileUrl())));
  });

  it('treats a token in the query string (?access_token=) as no token', async () => {
    const tokens = await obtainTokens(t, p);
    await expectNoToken(await readJson(await fetch(`${profileUrl()}?access_token=${encodeURIComponent(tokens.access_token)}`)));
  });

  it('treats a token in a form body as no token', async () => {
    const tokens = await obtainTokens(t, p);
    const body = new URLSearchParams({ access_token: tokens.access_token }).toString();
    const res = await new Promise<{ status: number; headers: Headers; body: unknown }>((resolve, reject) => {
      const url = new URL(profileUrl());
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
        (r) => {
          let text = '';
          r.on('data', (chunk) => (text += chunk));
          r.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve({ status: r.statusCode!, headers, body: JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await expectNoToken(res);
  });

  it('answers 401 invalid_token for an unknown token', async () => {
    expectInvalidToken(await getProfile(t, 'unknown-token-value'));
  });

  it('answers 401 invalid_token for a refresh token used as an access token', async () => {
    const tokens = await obtainTokens(t, p);
    expectInvalidToken(await getProfile(t, tokens.refresh_token));
  });

  it('answers 401 invalid_token for a token revoked at the revocation endpoint', async () => {
    const tokens = await obtainTokens(t, p);
    const revoked = await postForm(`${t.url}/oauth/revoke`, { token: tokens.access_token }, { authorization: basic(p.clientId, p.secret!) });
    expect(revoked.status).toBe(200);
    expectInvalidToken(await getProfile(t, tokens.access_token));
  });

  it('answers 200 one second before ACCESS_TOKEN_TTL and 401 invalid_token at it', async () => {
    const tokens = await obtainTokens(t, p);
    t.clock.advance(t.config.accessTokenTtl - 1);
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    t.clock.advance(1);
    expectInvalidToken(await getProfile(t, tokens.access_token));
  });

  it('answers 403 insufficient_scope with scope="profile" for a token without the profile scope', async () => {
    const tokens = await obtainTokens(t, p, { scope: 'email' });
    expectInsufficientScope(await getProfile(t, tokens.access_token));
  });

  it('answers 403 insufficient_scope (not 500) for a client_credentials token, which has no user', async () => {
    const service = await provisionThroughAdmin(t, { grant_types: ['client_credentials'], redirect_uris: [], scope: 'profile' });
    const issued = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(service.clientId, service.secret!) });
    expect(issued.status).toBe(200);
    const token = (await issued.json()) as { access_token: string; scope: string };
    expect(token.scope).toBe('profile');
    expectInsufficientScope(await getProfile(t, token.access_token));
  });
});
