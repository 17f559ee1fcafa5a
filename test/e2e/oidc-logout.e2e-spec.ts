/**
 * OpenID Connect RP-Initiated Logout 1.0 at the end_session_endpoint: id_token_hint, client_id,
 * post_logout_redirect_uri (registered only) and state; a CSRF-protected confirmation page.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { obtainCode, provision, tokenRequest, Provisioned } from '../support/oauth-flow';

const BYE = 'https://rp.example.com/signed-out';

describe.each(DATABASES)('OpenID Connect RP-initiated logout (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { ID_TOKEN_TTL: '300' })));
  afterAll(() => t.close());

  /** A signed-in browser and the ID token its sign-in produced. */
  async function signedIn(): Promise<{ p: Provisioned; agent: UserAgent; idToken: string }> {
    const p = await provision(t, { scope: 'openid profile', post_logout_redirect_uris: [BYE] });
    const { code, verifier, agent } = await obtainCode(t, p, { scope: 'openid', nonce: 'n' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    return { p, agent, idToken: res.body.id_token };
  }
  const isSignedIn = async (agent: UserAgent) => (await agent.get('/')).status === 200;
  const logoutUrl = (params: Record<string, string>) => `/oauth/logout?${new URLSearchParams(params)}`;

  it('asks for confirmation, ends the session, and returns to the registered URI with state', async () => {
    const { agent, idToken } = await signedIn();
    expect(await isSignedIn(agent)).toBe(true);
    const page = await agent.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BYE, state: 'af0ifjsldkj' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('Test App');
    const form = parseForm(html);
    expect(form.action).toBe('/oauth/logout/confirm');
    expect(Object.keys(form.fields).sort()).toEqual(['_csrf', 'client_id', 'id_token_hint', 'post_logout_redirect_uri', 'state']);
    expect(await isSignedIn(agent)).toBe(true);

    const done = await agent.postForm(form.action, form.fields);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${BYE}?state=af0ifjsldkj`);
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('accepts the request by form POST', async () => {
    const { agent, idToken } = await signedIn();
    const page = await agent.postForm('/oauth/logout', { id_token_hint: idToken, post_logout_redirect_uri: BYE });
    expect(page.status).toBe(200);
    const form = parseForm(await page.text());
    const done = await agent.postForm(form.action, form.fields);
    expect(done.headers.get('location')).toBe(BYE);
  });

  // §2: without a valid id_token_hint the target is unconfirmed (client_id and its registered URI
  // are public: anyone can craft the link), so the OP signs out and stays. Before, it redirected.
  it('with client_id but no id_token_hint: confirms, signs out, and stays on the server', async () => {
    const { p, agent } = await signedIn();
    const page = await agent.get(logoutUrl({ client_id: p.clientId, post_logout_redirect_uri: BYE, state: 's' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('location')).toBeNull();
    const form = parseForm(await page.text());
    expect(form.action).toBe('/oauth/logout/confirm');
    expect(await isSignedIn(agent)).toBe(true);
    const done = await agent.postForm(form.action, form.fields);
    expect(done.status).toBe(200);
    expect(done.headers.get('location')).toBeNull();
    expect(await done.text()).toContain('You are signed out');
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('with client_id but no id_token_hint and nobody signed in: the signed-out page, no redirect', async () => {
    const { p } = await signedIn();
    const res = await new UserAgent(t.url).get(logoutUrl({ client_id: p.clientId, post_logout_redirect_uri: BYE, state: 's' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('You are signed out');
  });

  it('a confirmation form posted without the hint does not redirect either', async () => {
    const { p, agent, idToken } = await signedIn();
    const form = parseForm(await (await agent.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BYE }))).text());
    const { id_token_hint: _dropped, ...fields } = form.fields;
    const done = await agent.postForm(form.action, { ...fields, client_id: p.clientId });
    expect(done.status).toBe(200);
    expect(done.headers.get('location')).toBeNull();
  });

  it('shows "signed out" without a post_logout_redirect_uri', async () => {
    const { agent } = await signedIn();
    const form = parseForm(await (await agent.get('/oauth/logout')).text());
    const done = await agent.postForm(form.action, form.fields);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are signed out');
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('redirects at once when nobody is signed in', async () => {
    const { idToken } = await signedIn();
    const res = await new UserAgent(t.url).get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BYE, state: 's' }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${BYE}?state=s`);
  });

  it('accepts an expired id_token_hint', async () => {
    const { agent, idToken } = await signedIn();
    t.clock.advance(301);
    const page = await agent.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BYE }));
    expect(page.status).toBe(200);
  });

  const expectRefusalPage = async (res: Response, description: string) => {
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain(description);
  };

  it('refuses an unregistered post_logout_redirect_uri with a page, never a redirect, and keeps the session', async () => {
    const { agent, idToken } = await signedIn();
    await expectRefusalPage(await agent.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example.com/' })), 'post_logout_redirect_uri is not registered for this client');
    await expectRefusalPage(await agent.get(logoutUrl({ post_logout_redirect_uri: BYE })), 'post_logout_redirect_uri needs client_id or id_token_hint');
    // A redirect URI registered for sign-in is not a post-logout URI.
    const other = await provision(t, { scope: 'openid' });
    await expectRefusalPage(await agent.get(logoutUrl({ client_id: other.clientId, post_logout_redirect_uri: other.redirectUri })), 'post_logout_redirect_uri is not registered for this client');
    expect(await isSignedIn(agent)).toBe(true);
  });

  it('refuses a foreign id_token_hint, one issued to another client, and an unknown client_id', async () => {
    const { agent, idToken } = await signedIn();
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ iss: t.url, sub: '1', aud: 'x' }).setProtectedHeader({ alg: 'RS256', kid: 'someone-else' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
    await expectRefusalPage(await agent.get(logoutUrl({ id_token_hint: foreign })), 'id_token_hint is not an ID token issued by this server');
    await expectRefusalPage(await agent.get(logoutUrl({ id_token_hint: 'not-a-jwt' })), 'id_token_hint is not an ID token issued by this server');
    const other = await provision(t, { scope: 'openid' });
    await expectRefusalPage(await agent.get(logoutUrl({ id_token_hint: idToken, client_id: other.clientId })), 'id_token_hint was not issued to client_id');
    await expectRefusalPage(await agent.get(logoutUrl({ client_id: 'nope' })), 'unknown client_id');
    expect(await isSignedIn(agent)).toBe(true);
  });

  it('refuses the confirmation without its CSRF token', async () => {
    const { agent } = await signedIn();
    const form = parseForm(await (await agent.get('/oauth/logout')).text());
    const res = await agent.postForm(form.action, { ...form.fields, _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(await isSignedIn(agent)).toBe(true);
  });
});
