/**
 * OAuth 2.0 Form Post Response Mode (OpenID Foundation), black-box: with response_mode=form_post
 * the authorization response — code, tokens, ID token, or an error — comes as a 200 HTML page
 * whose form posts every parameter (iss and state included) to the redirect URI; the page's one
 * script is allowed by its hash, it may not be framed or cached. Multiple Response Type Encoding Practices §5: query is refused for types that
 * return tokens. The requested mode rides through sign-in and the consent page's pending request,
 * on another instance too.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { authorize, authorizeResponse, formPostResponse, getProfile, pkcePair, provision, signIn, tokenRequest } from '../support/oauth-flow';
import { fragmentParams } from '../support/discovery';
import { verifyWithJwks } from '../support/oidc';

/** The inline scripts of a page, each as the CSP hash-source that would allow it. */
function scriptHashes(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, body]) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
}

function directive(csp: string, name: string): string | undefined {
  return csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));
}

/** What every form_post page must be: not cached, not framed, one script allowed by its hash, no form-action limit (helmet's 'self' would stop the POST). */
function expectFormPostPage(res: Response, html: string) {
  expect(res.status).toBe(200);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  const csp = res.headers.get('content-security-policy')!;
  expect(directive(csp, 'frame-ancestors')).toBe("frame-ancestors 'none'");
  expect(directive(csp, 'form-action')).toBeUndefined();
  expect(directive(csp, 'base-uri')).toBe("base-uri 'self'");
  const hashes = scriptHashes(html);
  expect(hashes).toHaveLength(1);
  expect(directive(csp, 'script-src')).toBe(`script-src ${hashes[0]}`);
  expect(directive(csp, 'script-src')).not.toContain('unsafe');
  // A browser without scripts still gets there: a visible button inside <noscript>.
  expect(html).toMatch(/<noscript>[\s\S]*<button type="submit">Continue<\/button>[\s\S]*<\/noscript>/);
}

describe.each(DATABASES)('OAuth 2.0 Form Post Response Mode (%s)', (name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { IMPLICIT_ENABLED: 'true' })));
  afterAll(() => t.close());

  const openidImplicit = { scope: 'openid profile email', grant_types: ['implicit'] as const, response_types: ['token', 'id_token', 'id_token token'] as const };
  const implicitClient = () => provision(t, { ...openidImplicit, grant_types: [...openidImplicit.grant_types], response_types: [...openidImplicit.response_types] });

  it('code: after sign-in and consent, a page posting code, state and iss to the redirect URI; the code redeems', async () => {
    const p = await provision(t);
    const pkce = pkcePair();
    const res = await authorizeResponse(
      new UserAgent(t.url),
      { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st-fp', code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' },
      p,
    );
    const page = await formPostResponse(res);
    expectFormPostPage(res, page.html);
    expect(page.action).toBe(p.redirectUri);
    expect(page.fields).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), state: 'st-fp', iss: t.url });

    const token = await tokenRequest(t, p, { grant_type: 'authorization_code', code: page.fields.code, redirect_uri: p.redirectUri, code_verifier: pkce.verifier });
    expect(token.status).toBe(200);
    expect((await getProfile(t, token.body.access_token)).status).toBe(200);
  });

  it('token, id_token and "id_token token": the tokens as form fields, usable as the fragment would carry them', async () => {
    const p = await implicitClient();
    const agent = new UserAgent(t.url);
    const base = { client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid profile', response_mode: 'form_post' };

    const token = await formPostResponse(await authorizeResponse(agent, { ...base, response_type: 'token', state: 's1' }, p));
    expect(token.action).toBe(p.redirectUri);
    expect(token.fields).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope: 'openid profile', state: 's1', iss: t.url });
    expect((await getProfile(t, token.fields.access_token)).status).toBe(200);

    const idToken = await formPostResponse(await authorizeResponse(agent, { ...base, response_type: 'id_token', state: 's2', nonce: 'n-fp' }, p));
    expect(idToken.fields).toEqual({ id_token: expect.any(String), state: 's2', iss: t.url });
    expect(await verifyWithJwks(t, idToken.fields.id_token, p.clientId)).toMatchObject({ sub: String(p.userId), nonce: 'n-fp' });

    const both = await formPostResponse(await authorizeResponse(agent, { ...base, response_type: 'token id_token', state: 's3', nonce: 'n3' }, p));
    expect(both.fields).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope: 'openid profile', id_token: expect.any(String), state: 's3', iss: t.url });
  });

  it('escapes every value: a state with markup comes back as the same string, never as markup; the redirect URI\'s own query is kept', async () => {
    const p = await provision(t, { redirect_uris: ['https://client.example.com/cb?tenant=a&x="y"'] });
    const state = `"><script>alert(1)</script><input name="code" value="forged">&amp;'`;
    const pkce = pkcePair();
    const res = await authorizeResponse(
      new UserAgent(t.url),
      { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state, code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' },
      p,
    );
    const page = await formPostResponse(res);
    expectFormPostPage(res, page.html);
    expect(page.html).not.toContain('<script>alert(1)');
    expect(page.html).toContain('action="https://client.example.com/cb?tenant=a&amp;x=&quot;y&quot;"');
    expect(page.action).toBe(p.redirectUri);
    expect(page.fields).toEqual({ code: expect.any(String), state, iss: t.url });
  });

  it('sends errors by form_post too: before sign-in (invalid_scope), prompt=none (login_required) and the user\'s refusal (access_denied)', async () => {
    const p = await provision(t, { scope: 'profile' });
    const agent = new UserAgent(t.url);
    const request = { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st-e', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', response_mode: 'form_post' };

    const badScope = await agent.get(`/oauth/authorize?${new URLSearchParams({ ...request, scope: 'profile admin' })}`);
    const scopePage = await formPostResponse(badScope);
    expectFormPostPage(badScope, scopePage.html);
    expect(scopePage.fields).toEqual({ error: 'invalid_scope', error_description: expect.any(String), state: 'st-e', iss: t.url });

    const oidc = await provision(t, { scope: 'openid profile' });
    const none = await agent.get(`/oauth/authorize?${new URLSearchParams({ ...request, client_id: oidc.clientId, redirect_uri: oidc.redirectUri, scope: 'openid', prompt: 'none' })}`);
    expect((await formPostResponse(none)).fields).toEqual({ error: 'login_required', error_description: 'the user must sign in', state: 'st-e', iss: t.url });

    const denied = await authorizeResponse(agent, request, p, 'deny');
    expect((await formPostResponse(denied)).fields).toEqual({ error: 'access_denied', error_description: 'the resource owner denied the request', state: 'st-e', iss: t.url });

    // An implicit error goes by form_post as well, not in the fragment.
    const implicit = await implicitClient();
    const noNonce = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'id_token', client_id: implicit.clientId, redirect_uri: implicit.redirectUri, scope: 'openid', state: 'st-n', response_mode: 'form_post' })}`);
    expect((await formPostResponse(noNonce)).fields).toEqual({ error: 'invalid_request', error_description: 'nonce is required for this response_type', state: 'st-n', iss: t.url });
  });

  it('refuses response_mode=query for the types that return tokens (invalid_request in the fragment), and takes fragment for code', async () => {
    const p = await implicitClient();
    for (const responseType of ['token', 'id_token', 'id_token token']) {
      const res = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ response_type: responseType, client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', nonce: 'n', state: 'st-q', response_mode: 'query' })}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.search).toBe('');
      expect(fragmentParams(location)).toEqual({ error: 'invalid_request', error_description: `response_mode query is not allowed for response_type ${responseType}, which returns tokens (use fragment or form_post)`, state: 'st-q', iss: t.url });
    }

    const c = await provision(t);
    const pkce = pkcePair();
    const cb = await authorize(new UserAgent(t.url), { response_type: 'code', client_id: c.clientId, redirect_uri: c.redirectUri, state: 'st-f', code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'fragment' }, c);
    expect(cb.search).toBe('');
    const fragment = fragmentParams(cb);
    expect(fragment).toEqual({ code: expect.any(String), state: 'st-f', iss: t.url });
    expect((await tokenRequest(t, c, { grant_type: 'authorization_code', code: fragment.code, redirect_uri: c.redirectUri, code_verifier: pkce.verifier })).status).toBe(200);
  });

  it('an unknown or repeated response_mode is invalid_request in the grant\'s own mode, not by form_post', async () => {
    const p = await provision(t);
    const request = { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st-u', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const unknown = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ ...request, response_mode: 'form_post.jwt' })}`, { redirect: 'manual' });
    expect(unknown.status).toBe(302);
    expect(Object.fromEntries(new URL(unknown.headers.get('location')!).searchParams)).toMatchObject({ error: 'invalid_request', state: 'st-u' });
    const repeated = await fetch(`${t.url}/oauth/authorize?${new URLSearchParams({ ...request, response_mode: 'form_post' })}&response_mode=form_post`, { redirect: 'manual' });
    expect(repeated.status).toBe(302);
    expect(Object.fromEntries(new URL(repeated.headers.get('location')!).searchParams)).toMatchObject({ error: 'invalid_request', error_description: 'parameter "response_mode" is repeated', state: 'st-u' });
  });

  it('a request answered without consent (already signed in, remembered) goes by form_post at once; a pushed request\'s response_mode counts', async () => {
    const p = await provision(t, { skip_consent: true });
    const agent = new UserAgent(t.url);
    await signIn(agent, p);
    const pkce = pkcePair();
    const direct = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st-d', code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' })}`);
    const page = await formPostResponse(direct);
    expectFormPostPage(direct, page.html);
    expect(page.fields).toEqual({ code: expect.any(String), state: 'st-d', iss: t.url });

    const pushed = await postForm(
      `${t.url}/oauth/par`,
      { response_type: 'code', redirect_uri: p.redirectUri, state: 'st-par', code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' },
      { authorization: basic(p.clientId, p.secret!) },
    );
    expect(pushed.status).toBe(201);
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    const viaPar = await agent.get(`/oauth/authorize?${new URLSearchParams({ client_id: p.clientId, request_uri })}`);
    expect((await formPostResponse(viaPar)).fields).toEqual({ code: expect.any(String), state: 'st-par', iss: t.url });
  });

  it('the pending request keeps response_mode through sign-in and consent, the consent answered on another instance', async () => {
    let dir: string | undefined;
    let first = t;
    if (name === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'gh-formpost-'));
      first = await startApp(`sqlite:${join(dir, 'db.sqlite')}`, { COOKIE_SECRET: 'shared-cookie-secret-0123456789abcdef0123' });
    }
    const second = await startAnotherInstance(first, { COOKIE_SECRET: first.config.cookieSecret });
    try {
      const p = await provision(first);
      const pkce = pkcePair();
      const onFirst = new UserAgent(first.url);
      let res = await onFirst.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st-x', code_challenge: pkce.challenge, code_challenge_method: 'S256', response_mode: 'form_post' })}`);
      expect(res.status).toBe(302);
      const login = parseForm(await (await onFirst.get(res.headers.get('location')!)).text());
      res = await onFirst.postForm(login.action, { ...login.fields, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      // Back from sign-in, the consent page (not yet the response).
      res = await onFirst.get(res.headers.get('location')!);
      expect(res.status).toBe(200);
      const consent = parseForm(await res.text());
      expect(consent.buttons.decision).toEqual(expect.arrayContaining(['approve', 'deny']));
      // The decision reaches the second instance, which reads the pending request from the database.
      const onSecond = new UserAgent(second.url);
      for (const [k, v] of onFirst.cookies) onSecond.cookies.set(k, v);
      res = await onSecond.postForm(consent.action, { ...consent.fields, decision: 'approve' });
      const page = await formPostResponse(res);
      expectFormPostPage(res, page.html);
      expect(page.fields).toEqual({ code: expect.any(String), state: 'st-x', iss: second.url });
      const token = await tokenRequest(first, p, { grant_type: 'authorization_code', code: page.fields.code, redirect_uri: p.redirectUri, code_verifier: pkce.verifier });
      expect(token.status).toBe(200);
    } finally {
      await second.close();
      if (dir) {
        await first.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('without response_mode the answers are still redirects, and the server\'s own pages keep their policy (no inline script)', async () => {
    const p = await provision(t);
    const cb = await authorize(new UserAgent(t.url), { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, p);
    expect(cb.searchParams.get('code')).toEqual(expect.any(String));
    const loginPage = await fetch(`${t.url}/login`);
    const csp = loginPage.headers.get('content-security-policy')!;
    expect(directive(csp, 'script-src')).toBe("script-src 'self'");
  });
});
