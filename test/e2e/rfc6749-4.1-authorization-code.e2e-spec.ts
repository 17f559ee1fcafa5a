/**
 * RFC 6749 §4.1 Authorization Code Grant, black-box: the authorization endpoint (§3.1, §4.1.1,
 * §4.1.2, §4.1.2.1 with RFC 9700 §4.1 exact redirect matching and RFC 8252 §7.3 loopback ports),
 * the token endpoint (§2.3, §3.2, §4.1.3, §5.1, §5.2), and single-use codes (§4.1.2).
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import {
  AdminProvisioned,
  authorize,
  discover,
  getProfile,
  obtainCode,
  pkcePair,
  provisionThroughAdmin,
  signIn,
  tokenRequest,
} from '../support/oauth-flow';
import { DEFAULT_REDIRECT_URI } from '../factories/client.factory';
import { adminRequest } from '../factories/admin-request';

const ERROR_BODY = (error: string) => ({ error, error_description: expect.any(String) });
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid, expired or revoked"';

describe.each(DATABASES)('RFC 6749 §4.1 authorization code grant (%s)', (_name, db) => {
  let t: TestApp;
  let authorizationEndpoint: string;
  let tokenEndpoint: string;

  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true' }); // the password grant is off by default
    const metadata = await discover(t);
    authorizationEndpoint = metadata.authorization_endpoint;
    tokenEndpoint = metadata.token_endpoint;
  });
  afterAll(() => t.close());

  const authorizeUrl = (params: Record<string, string>) => `${authorizationEndpoint}?${new URLSearchParams(params)}`;
  const get = (url: string) => fetch(url, { redirect: 'manual' });

  /** §4.1.2.1: an unverifiable client or redirect URI gets a page here, never a redirect. */
  async function expectErrorPage(res: Response, error = 'invalid_request') {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain(`<code>${error}</code>`);
  }

  /** §4.1.2.1: after verification, the error goes back to the redirect URI's query with state. */
  function expectErrorRedirect(res: Response, redirectUri: string, error: string, state: string | undefined = 'st') {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error,
      error_description: expect.any(String),
      ...(state !== undefined ? { state } : {}),
      iss: t.url, // RFC 9207
    });
  }

  const codeRequest = (p: AdminProvisioned, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    state: 'st',
    ...extra,
  });

  describe('full flow', () => {
    it('authorize → login → consent → code → token (PKCE) → /api/profile → refresh → /api/profile, for a client made through the admin API', async () => {
      const p = await provisionThroughAdmin(t);
      const pkce = pkcePair();
      const agent = new UserAgent(t.url);

      let res = await agent.get(authorizeUrl(codeRequest(p, { code_challenge: pkce.challenge, code_challenge_method: 'S256' })));
      expect(res.status).toBe(302);
      const loginUrl = res.headers.get('location')!;
      expect(loginUrl).toMatch(/^\/login\?return_to=%2Foauth%2Fauthorize%3F/);

      res = await agent.get(loginUrl);
      expect(res.status).toBe(200);
      const login = parseForm(await res.text());
      res = await agent.postForm(login.action, { ...login.fields, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      const back = res.headers.get('location')!;
      expect(back).toBe(new URL(loginUrl, t.url).searchParams.get('return_to'));

      res = await agent.get(back);
      expect(res.status).toBe(200);
      const consent = parseForm(await res.text());
      expect(consent.buttons.decision.sort()).toEqual(['approve', 'deny']);
      res = await agent.postForm(consent.action, { ...consent.fields, decision: 'approve' });
      expect(res.status).toBe(302);
      const callback = new URL(res.headers.get('location')!);
      expect(`${callback.origin}${callback.pathname}`).toBe(DEFAULT_REDIRECT_URI);
      expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
      expect(callback.searchParams.get('state')).toBe('st');
      expect(callback.searchParams.get('iss')).toBe(t.url); // RFC 9207

      const token = await tokenRequest(t, p, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: p.redirectUri,
        code_verifier: pkce.verifier,
      });
      expect(token.status).toBe(200);
      expect(token.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.any(String),
        scope: 'profile email',
      });

      const profile = await getProfile(t, token.body.access_token);
      expect(profile.status).toBe(200);
      expect(profile.body).toEqual({ id: p.userId, username: p.username, email: `${p.username}@example.com` });

      const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: token.body.refresh_token });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.any(String),
        scope: 'profile email',
      });
      expect(refreshed.body.access_token).not.toBe(token.body.access_token);
      expect(refreshed.body.refresh_token).not.toBe(token.body.refresh_token);

      const again = await getProfile(t, refreshed.body.access_token);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ id: p.userId, username: p.username, email: `${p.username}@example.com` });
    });
  });

  describe('authorization endpoint: client and redirect URI verification (§3.1.2, §4.1.2.1)', () => {
    let p: AdminProvisioned;
    beforeAll(async () => (p = await provisionThroughAdmin(t)));

    it('answers a 400 page for an unknown client_id, never a redirect', async () => {
      await expectErrorPage(await get(authorizeUrl(codeRequest(p, { client_id: 'no-such-client' }))));
    });

    it('answers a 400 page for a missing client_id', async () => {
      const { client_id: _, ...params } = codeRequest(p);
      await expectErrorPage(await get(authorizeUrl(params)));
    });

    it('answers a 400 page when redirect_uri is omitted and two are registered', async () => {
      const two = await provisionThroughAdmin(t, { redirect_uris: ['https://client.example.com/a', 'https://client.example.com/b'] });
      const { redirect_uri: _, ...params } = codeRequest(two);
      await expectErrorPage(await get(authorizeUrl(params)));
    });

    it('accepts an omitted redirect_uri when exactly one is registered, and redeems the code without one', async () => {
      const pkce = pkcePair();
      const { redirect_uri: _, ...params } = codeRequest(p, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
      const callback = await authorize(new UserAgent(t.url), params, p);
      expect(`${callback.origin}${callback.pathname}`).toBe(DEFAULT_REDIRECT_URI);
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, code_verifier: pkce.verifier });
      expect(res.status).toBe(200);
    });

    it('answers a 400 page for an unregistered redirect_uri', async () => {
      await expectErrorPage(await get(authorizeUrl(codeRequest(p, { redirect_uri: 'https://other.example.com/callback' }))));
    });

    it.each([
      ['an extra path segment', 'https://client.example.com/callback/evil'],
      ['another port', 'https://client.example.com:8443/callback'],
      ['the registered URI as a prefix', 'https://client.example.com/callbackevil'],
      ['the registered host as a prefix', 'https://client.example.com.evil.example/callback'],
      ['an added query', 'https://client.example.com/callback?next=https://evil.example'],
      ['a fragment', 'https://client.example.com/callback#evil'],
      ['userinfo', 'https://client.example.com@evil.example/callback'],
      ['another scheme (http)', 'http://client.example.com/callback'],
      ['another scheme (private-use)', 'com.example.app:/callback'],
      ['a different case', 'https://client.example.com/Callback'],
    ])('refuses an open-redirect attempt with %s with the 400 page', async (_what, redirectUri) => {
      await expectErrorPage(await get(authorizeUrl(codeRequest(p, { redirect_uri: redirectUri }))));
    });

    it.each([
      ['http://127.0.0.1:8080/cb', 'http://127.0.0.1:9999/cb'],
      ['http://127.0.0.1:8080/cb', 'http://127.0.0.1/cb'],
      ['http://[::1]:8080/cb', 'http://[::1]:9999/cb'],
    ])('accepts loopback %s with another port (RFC 8252 §7.3): %s', async (registered, requested) => {
      const native = await provisionThroughAdmin(t, { redirect_uris: [registered] });
      const { code, verifier, callback } = await obtainCode(t, native, { redirect_uri: requested });
      expect(`${callback.origin}${callback.pathname}`).toBe(requested);
      const res = await tokenRequest(t, native, { grant_type: 'authorization_code', code, redirect_uri: requested, code_verifier: verifier });
      expect(res.status).toBe(200);
    });

    it.each([
      ['another path', 'http://127.0.0.1:9999/other'],
      ['userinfo', 'http://127.0.0.1:9999@evil.example/cb'],
      ['https', 'https://127.0.0.1:9999/cb'],
    ])('refuses a loopback URI with another port and %s', async (_what, requested) => {
      const native = await provisionThroughAdmin(t, { redirect_uris: ['http://127.0.0.1:8080/cb'] });
      await expectErrorPage(await get(authorizeUrl(codeRequest(native, { redirect_uri: requested }))));
    });

    it('accepts http://localhost on its registered port', async () => {
      const native = await provisionThroughAdmin(t, { redirect_uris: ['http://localhost:8080/cb'] });
      const { callback } = await obtainCode(t, native);
      expect(`${callback.origin}${callback.pathname}`).toBe('http://localhost:8080/cb');
    });

    it('refuses http://localhost with another port (only IP literals may vary the port, RFC 8252 §8.3)', async () => {
      const native = await provisionThroughAdmin(t, { redirect_uris: ['http://localhost:8080/cb'] });
      await expectErrorPage(await get(authorizeUrl(codeRequest(native, { redirect_uri: 'http://localhost:9999/cb' }))));
    });

    it('answers a 400 page for a repeated client_id or redirect_uri (nothing verified yet)', async () => {
      await expectErrorPage(await get(`${authorizeUrl(codeRequest(p))}&client_id=${encodeURIComponent(p.clientId)}`));
      await expectErrorPage(await get(`${authorizeUrl(codeRequest(p))}&redirect_uri=${encodeURIComponent(p.redirectUri)}`));
    });
  });

  describe('authorization endpoint: errors after verification go back with state (§4.1.2.1)', () => {
    let p: AdminProvisioned;
    beforeAll(async () => (p = await provisionThroughAdmin(t)));

    it('redirects invalid_request for a missing response_type', async () => {
      const { response_type: _, ...params } = codeRequest(p);
      expectErrorRedirect(await get(authorizeUrl(params)), p.redirectUri, 'invalid_request');
    });

    it('redirects unsupported_response_type for an unknown response_type', async () => {
      expectErrorRedirect(await get(authorizeUrl(codeRequest(p, { response_type: 'code id_token' }))), p.redirectUri, 'unsupported_response_type');
    });

    it('redirects unauthorized_client when the client is not registered for response_type=code', async () => {
      const implicitOnly = await provisionThroughAdmin(t, { grant_types: ['implicit'] });
      expectErrorRedirect(await get(authorizeUrl(codeRequest(implicitOnly))), implicitOnly.redirectUri, 'unauthorized_client');
    });

    it('redirects invalid_scope for a scope the client is not allowed', async () => {
      const profileOnly = await provisionThroughAdmin(t, { scope: 'profile' });
      expectErrorRedirect(await get(authorizeUrl(codeRequest(profileOnly, { scope: 'profile email' }))), profileOnly.redirectUri, 'invalid_scope');
    });

    it('redirects invalid_scope for an unknown scope', async () => {
      expectErrorRedirect(await get(authorizeUrl(codeRequest(p, { scope: 'profile admin' }))), p.redirectUri, 'invalid_scope');
    });

    it('refuses a response_mode it cannot honour with invalid_request, and takes query, fragment and form_post', async () => {
      for (const mode of ['web_message', 'FORM_POST', 'form_post.jwt']) {
        expectErrorRedirect(await get(authorizeUrl(codeRequest(p, { response_mode: mode }))), p.redirectUri, 'invalid_request');
      }
      for (const mode of ['query', 'fragment', 'form_post']) {
        const res = await get(authorizeUrl(codeRequest(p, { response_mode: mode })));
        expect(res.status).toBe(302);
        expect(new URL(res.headers.get('location')!, t.url).pathname).toBe('/login');
      }
    });

    it('redirects invalid_request for a repeated parameter once the client is verified', async () => {
      expectErrorRedirect(await get(`${authorizeUrl(codeRequest(p, { scope: 'profile' }))}&scope=email`), p.redirectUri, 'invalid_request');
    });

    it('redirects access_denied with state when the user denies', async () => {
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      const page = await agent.get(authorizeUrl(codeRequest(p)));
      expect(page.status).toBe(200);
      const form = parseForm(await page.text());
      const res = await agent.postForm(form.action, { ...form.fields, decision: 'deny' });
      expectErrorRedirect(res, p.redirectUri, 'access_denied');
    });

    it('grants the client registered scope when none is requested', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('profile email');
    });

    it('grants exactly the requested scope when it is allowed', async () => {
      const { code, verifier } = await obtainCode(t, p, { scope: 'email' });
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('email');
    });
  });

  describe('token endpoint: the code (§4.1.3)', () => {
    let p: AdminProvisioned;
    beforeAll(async () => (p = await provisionThroughAdmin(t)));

    const redeem = (code: string, verifier: string, extra: Record<string, string> = {}) =>
      tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier, ...extra });

    it('answers access_token, token_type Bearer, expires_in, refresh_token and scope', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await redeem(code, verifier);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String), scope: 'profile email' });
    });

    it('issues no refresh_token to a client without the refresh_token grant', async () => {
      const noRefresh = await provisionThroughAdmin(t, { grant_types: ['authorization_code'] });
      const { code, verifier } = await obtainCode(t, noRefresh);
      const res = await tokenRequest(t, noRefresh, { grant_type: 'authorization_code', code, redirect_uri: noRefresh.redirectUri, code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'profile email' });
    });

    it('refuses a reused code with invalid_grant and revokes the tokens issued from it', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const first = await redeem(code, verifier);
      expect(first.status).toBe(200);
      expect((await getProfile(t, first.body.access_token)).status).toBe(200);

      const second = await redeem(code, verifier);
      expect(second.status).toBe(400);
      expect(second.body).toEqual(ERROR_BODY('invalid_grant'));
      const replayed = await adminRequest(t, 'GET', `/admin/events?type=code.replayed&client_id=${p.clientId}&limit=1`);
      expect(replayed.body.data[0]).toMatchObject({ user_id: p.userId, ip: '127.0.0.1', detail: { code_id: expect.any(Number) } });

      const profile = await getProfile(t, first.body.access_token);
      expect(profile.status).toBe(401);
      expect(profile.headers.get('www-authenticate')).toBe(`${INVALID_TOKEN_CHALLENGE}, resource_metadata="${t.url}/.well-known/oauth-protected-resource/api/profile"`);
      expect(profile.body).toEqual(ERROR_BODY('invalid_token'));
      const refresh = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
      expect(refresh.status).toBe(400);
      expect(refresh.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('answers exactly one of 10 concurrent redemptions of one code with 200, the others invalid_grant', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const results = await Promise.all(Array.from({ length: 10 }, () => redeem(code, verifier)));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(400);
        expect(r.body).toEqual(ERROR_BODY('invalid_grant'));
      }
      // The replays count as reuse (§4.1.2): the winner's tokens are revoked too.
      expect((await getProfile(t, ok[0].body.access_token)).status).toBe(401);
    });

    it('refuses a different redirect_uri with invalid_grant', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await redeem(code, verifier, { redirect_uri: 'https://client.example.com/other' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('refuses a missing redirect_uri with invalid_grant when the authorization request had one', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, code_verifier: verifier });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it("refuses another client's code with invalid_grant, and the code stays usable by its client", async () => {
      const other = await provisionThroughAdmin(t);
      const { code, verifier } = await obtainCode(t, p);
      const stolen = await tokenRequest(t, other, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
      expect(stolen.status).toBe(400);
      expect(stolen.body).toEqual(ERROR_BODY('invalid_grant'));
      expect((await redeem(code, verifier)).status).toBe(200);
    });

    it('refuses an unknown code with invalid_grant', async () => {
      const res = await redeem('not-a-code', pkcePair().verifier);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('refuses a missing code with invalid_request', async () => {
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', redirect_uri: p.redirectUri });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_request'));
    });

    it('redeems a code one second before AUTHORIZATION_CODE_TTL', async () => {
      const { code, verifier } = await obtainCode(t, p);
      t.clock.advance(t.config.authorizationCodeTtl - 1);
      expect((await redeem(code, verifier)).status).toBe(200);
    });

    it('refuses an expired code (AUTHORIZATION_CODE_TTL passed) with invalid_grant', async () => {
      const { code, verifier } = await obtainCode(t, p);
      t.clock.advance(t.config.authorizationCodeTtl);
      const res = await redeem(code, verifier);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });
  });

  describe('token endpoint: client authentication (§2.3, §3.2.1)', () => {
    let p: AdminProvisioned;
    beforeAll(async () => (p = await provisionThroughAdmin(t)));

    /** A code and verifier for `who`, and the body that redeems them without client authentication. */
    async function codeBody(who: AdminProvisioned = p) {
      const { code, verifier } = await obtainCode(t, who);
      return { grant_type: 'authorization_code', code, redirect_uri: who.redirectUri, code_verifier: verifier };
    }

    // The Basic challenge answers a client that tried Basic (RFC 6749 §5.2), no other.
    async function expectError(res: Response, status: number, error: string, wwwAuthenticate: string | null = null) {
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual(ERROR_BODY(error));
      expect(res.headers.get('www-authenticate')).toBe(wwwAuthenticate);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
    }

    it('refuses Basic with a wrong secret: 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: basic(p.clientId, `${p.secret}x`) });
      await expectError(res, 401, 'invalid_client', 'Basic realm="gatehouse", charset="UTF-8"');
    });

    it('refuses Basic for an unknown client: 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: basic('no-such-client', p.secret!) });
      await expectError(res, 401, 'invalid_client', 'Basic realm="gatehouse", charset="UTF-8"');
    });

    it('refuses a malformed Basic header: 401 invalid_client with WWW-Authenticate: Basic', async () => {
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: 'Basic not base64!' });
      await expectError(res, 401, 'invalid_client', 'Basic realm="gatehouse", charset="UTF-8"');
    });

    it('accepts the secret in the body from a client registered for client_secret_basic (§2.3.1)', async () => {
      const res = await postForm(tokenEndpoint, { ...(await codeBody()), client_id: p.clientId, client_secret: p.secret! });
      expect(res.status).toBe(200);
    });

    it('accepts client_secret_post from a client registered for it, and Basic from it as well (§2.3.1)', async () => {
      const post = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'client_secret_post' });
      const basicTried = await postForm(tokenEndpoint, await codeBody(post), { authorization: basic(post.clientId, post.secret!) });
      expect(basicTried.status).toBe(200);
      const res = await postForm(tokenEndpoint, { ...(await codeBody(post)), client_id: post.clientId, client_secret: post.secret! });
      expect(res.status).toBe(200);
    });

    it('refuses Basic and client_secret in the body together with invalid_request', async () => {
      const res = await postForm(tokenEndpoint, { ...(await codeBody()), client_id: p.clientId, client_secret: p.secret! }, { authorization: basic(p.clientId, p.secret!) });
      await expectError(res, 400, 'invalid_request');
    });

    it('refuses a request without client authentication: 401 invalid_client', async () => {
      await expectError(await postForm(tokenEndpoint, await codeBody()), 401, 'invalid_client');
    });

    it('refuses client_id alone for a confidential client: 401 invalid_client', async () => {
      await expectError(await postForm(tokenEndpoint, { ...(await codeBody()), client_id: p.clientId }), 401, 'invalid_client');
    });

    it('refuses a JSON body with 400 invalid_request', async () => {
      const res = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(p.clientId, p.secret!) },
        body: JSON.stringify(await codeBody()),
      });
      await expectError(res, 400, 'invalid_request');
    });

    it('refuses a repeated parameter with invalid_request', async () => {
      const body = new URLSearchParams(await codeBody());
      body.append('code', 'another');
      const res = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(p.clientId, p.secret!) },
        body: body.toString(),
      });
      await expectError(res, 400, 'invalid_request');
    });

    it('refuses an unknown grant_type with unsupported_grant_type', async () => {
      const res = await postForm(tokenEndpoint, { grant_type: 'urn:example:unknown' }, { authorization: basic(p.clientId, p.secret!) });
      await expectError(res, 400, 'unsupported_grant_type');
    });

    it.each(['client_credentials', 'password'])('refuses the %s grant, not registered for the client, with unauthorized_client', async (grantType) => {
      const res = await postForm(tokenEndpoint, { grant_type: grantType, username: p.username, password: p.password }, { authorization: basic(p.clientId, p.secret!) });
      await expectError(res, 400, 'unauthorized_client');
    });

    it('refuses a missing grant_type with invalid_request', async () => {
      const { grant_type: _, ...body } = await codeBody();
      await expectError(await postForm(tokenEndpoint, body, { authorization: basic(p.clientId, p.secret!) }), 400, 'invalid_request');
    });

    it('sends Cache-Control: no-store and Pragma: no-cache on success (§5.1)', async () => {
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: basic(p.clientId, p.secret!) });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('sends Cache-Control: no-store and Pragma: no-cache on an error (§5.2)', async () => {
      const res = await postForm(tokenEndpoint, { grant_type: 'authorization_code', code: 'nope' }, { authorization: basic(p.clientId, p.secret!) });
      await expectError(res, 400, 'invalid_grant');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('form-decodes Basic credentials (§2.3.1): every character percent-encoded still authenticates', async () => {
      const encodeAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      const header = `Basic ${Buffer.from(`${encodeAll(p.clientId)}:${encodeAll(p.secret!)}`).toString('base64')}`;
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: header });
      expect(res.status).toBe(200);
    });

    it('form-decodes Basic credentials exactly once: a twice-encoded secret is invalid_client', async () => {
      const encodeAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      const header = `Basic ${Buffer.from(`${p.clientId}:${encodeURIComponent(encodeAll(p.secret!))}`).toString('base64')}`;
      const res = await postForm(tokenEndpoint, await codeBody(), { authorization: header });
      await expectError(res, 401, 'invalid_client', 'Basic realm="gatehouse", charset="UTF-8"');
    });
  });
});
