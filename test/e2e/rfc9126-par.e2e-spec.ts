/**
 * RFC 9126 Pushed Authorization Requests, black-box: the endpoint (§2: client authentication as
 * at the token endpoint, the request checked as the authorization endpoint would, 201 with a
 * one-time request_uri living 60 s), the authorization endpoint's use of it (§4: the pushed
 * parameters only, once, by the client that pushed it), and §5/§6: PAR required per client and
 * server-wide. The pending request survives sign-in on another instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm, readJson } from '../support/http';
import { AdminProvisioned, authorize, discover, pkcePair, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';

async function push(t: TestApp, p: AdminProvisioned, fields: Record<string, string>, headers: Record<string, string> = { authorization: basic(p.clientId, p.secret!) }) {
  return readJson(await postForm(`${t.url}/oauth/par`, fields, headers));
}

describe.each(DATABASES)('RFC 9126 pushed authorization requests (%s)', (_name, db) => {
  let t: TestApp;

  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  const codeRequest = (p: AdminProvisioned, pkce = pkcePair(), extra: Record<string, string> = {}) => ({
    response_type: 'code',
    redirect_uri: p.redirectUri,
    scope: 'profile',
    state: 'pushed-state',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  async function expectErrorPage(res: Response, error: string) {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain(`<code>${error}</code>`);
  }

  it('advertises the endpoint, and that PAR is not required by default', async () => {
    const metadata = await discover(t);
    expect(metadata.pushed_authorization_request_endpoint).toBe(`${t.url}/oauth/par`);
    expect(metadata.require_pushed_authorization_requests).toBe(false);
  });

  it('push (Basic) → 201 request_uri → authorize with client_id + request_uri → code → tokens; the URL cannot override pushed parameters', async () => {
    const p = await provisionThroughAdmin(t);
    const pkce = pkcePair();
    const pushed = await push(t, p, codeRequest(p, pkce));
    expect(pushed.status).toBe(201);
    expect(pushed.headers.get('cache-control')).toBe('no-store');
    expect(pushed.body).toEqual({ request_uri: expect.stringMatching(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/), expires_in: 60 });

    // §4: only the pushed parameters count; a state added to the URL is ignored.
    const callback = await authorize(new UserAgent(t.url), { client_id: p.clientId, request_uri: pushed.body.request_uri, state: 'from-the-url', scope: 'email' }, p);
    expect(callback.searchParams.get('state')).toBe('pushed-state');
    const code = callback.searchParams.get('code')!;
    const tokens = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: pkce.verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('profile');
  });

  it('a request_uri is used once', async () => {
    const p = await provisionThroughAdmin(t);
    const pushed = await push(t, p, codeRequest(p));
    const agent = new UserAgent(t.url);
    await authorize(agent, { client_id: p.clientId, request_uri: pushed.body.request_uri }, p);
    const again = await agent.get(`/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, request_uri: pushed.body.request_uri })}`);
    await expectErrorPage(again, 'invalid_request_uri');
  });

  it('an expired request_uri is refused (it lives 60 s)', async () => {
    const p = await provisionThroughAdmin(t);
    const pushed = await push(t, p, codeRequest(p));
    t.clock.advance(61);
    const res = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, request_uri: pushed.body.request_uri })}`, { redirect: 'manual' });
    await expectErrorPage(res, 'invalid_request_uri');
  });

  it("refuses another client's request_uri, and one with no client_id", async () => {
    const p = await provisionThroughAdmin(t);
    const q = await provisionThroughAdmin(t);
    const pushed = await push(t, p, codeRequest(p));
    const get = (params: Record<string, string>) => fetch(`${t.url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    await expectErrorPage(await get({ client_id: q.clientId, request_uri: pushed.body.request_uri }), 'invalid_request_uri');
    await expectErrorPage(await get({ request_uri: pushed.body.request_uri }), 'invalid_request_uri');
  });

  it('authenticates the client as the token endpoint does: wrong secret 401 invalid_client; a public client names itself', async () => {
    const p = await provisionThroughAdmin(t);
    const wrong = await push(t, p, codeRequest(p), { authorization: basic(p.clientId, 'wrong') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    const pub = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'none' });
    const res = await push(t, pub, { ...codeRequest(pub), client_id: pub.clientId }, {});
    expect(res.status).toBe(201);
  });

  it('checks the request as the authorization endpoint would, answering JSON (§2.3)', async () => {
    const p = await provisionThroughAdmin(t);
    const badRedirect = await push(t, p, codeRequest(p, pkcePair(), { redirect_uri: 'https://evil.example.com/cb' }));
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.body.error).toBe('invalid_request');
    const badScope = await push(t, p, codeRequest(p, pkcePair(), { scope: 'admin' }));
    expect(badScope.body.error).toBe('invalid_scope');
    // §2.1: request_uri must not be pushed; request objects are not supported.
    expect((await push(t, p, { ...codeRequest(p), request_uri: 'urn:ietf:params:oauth:request_uri:x' })).body.error).toBe('invalid_request');
    expect((await push(t, p, { ...codeRequest(p), request: 'x.y.z' })).body.error).toBe('request_not_supported');
  });

  it('require_pushed_authorization_requests on a client: a plain request is refused to its redirect URI, a pushed one works', async () => {
    const p = await provisionThroughAdmin(t, { require_pushed_authorization_requests: true });
    expect(p.client.require_pushed_authorization_requests).toBe(true);
    const plain = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, ...codeRequest(p) })}`, { redirect: 'manual' });
    expect(plain.status).toBe(302);
    const location = new URL(plain.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('pushed-state');
    const pushed = await push(t, p, codeRequest(p));
    const callback = await authorize(new UserAgent(t.url), { client_id: p.clientId, request_uri: pushed.body.request_uri }, p);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  });

  it('the pushed request survives sign-in on another instance', async () => {
    let dir: string | undefined;
    let first = t;
    if (db.startsWith('sqlite')) {
      dir = mkdtempSync(join(tmpdir(), 'gh-par-'));
      first = await startApp(`sqlite:${join(dir, 'db.sqlite')}`, { COOKIE_SECRET: 'shared-cookie-secret-0123456789abcdef0123' });
    }
    const second = await startAnotherInstance(first, { COOKIE_SECRET: first.config.cookieSecret });
    try {
      const p = await provisionThroughAdmin(first);
      const pushed = await push(first, p, codeRequest(p));
      const query = new URLSearchParams({ client_id: p.clientId, request_uri: pushed.body.request_uri });
      // The browser starts on the first instance and is sent to sign in …
      const onFirst = new UserAgent(first.url);
      let res = await onFirst.get(`/oauth/authorize?${query}`);
      expect(res.status).toBe(302);
      const login = res.headers.get('location')!;
      // … and the load balancer sends the rest to the second.
      const onSecond = new UserAgent(second.url);
      for (const [k, v] of onFirst.cookies) onSecond.cookies.set(k, v);
      const form = parseForm(await (await onSecond.get(login)).text());
      res = await onSecond.postForm(form.action, { ...form.fields, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      res = await onSecond.get(res.headers.get('location')!);
      expect(res.status).toBe(200);
      const consent = parseForm(await res.text());
      res = await onSecond.postForm(consent.action, { ...consent.fields, decision: 'approve' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('state')).toBe('pushed-state');
    } finally {
      await second.close();
      if (dir) {
        await first.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe.each(DATABASES)('PAR_REQUIRED=true (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { PAR_REQUIRED: 'true' })));
  afterAll(() => t.close());

  it('advertises it and refuses every authorization request that was not pushed', async () => {
    expect((await discover(t)).require_pushed_authorization_requests).toBe(true);
    const p = await provisionThroughAdmin(t);
    const res = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, response_type: 'code', redirect_uri: p.redirectUri, state: 's' })}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const pushed = await push(t, p, { response_type: 'code', redirect_uri: p.redirectUri, state: 's' });
    expect(pushed.status).toBe(201);
    const started = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, request_uri: pushed.body.request_uri })}`, { redirect: 'manual' });
    expect(started.status).toBe(302);
    expect(started.headers.get('location')).toMatch(/^\/login\?/);
  });
});
