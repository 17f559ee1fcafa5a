/**
 * The server's own pages (what a browser or a generic form reader relies on): login and consent forms
 * readable generically, CSRF on every POST, no framing, the session cookie's attributes, pending
 * requests bound to their browser, logout, first-party clients, and no open redirect after login.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { AdminProvisioned, obtainTokens, pkcePair, provisionThroughAdmin, signIn } from '../support/oauth-flow';
import { userFactory } from '../factories/user.factory';

/** The Set-Cookie line for one cookie, split into its attributes (lower-cased names). */
function setCookie(res: Response, name: string): { value: string; attributes: Record<string, string> } | null {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  if (!line) return null;
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const attributes: Record<string, string> = {};
  for (const a of attrs) {
    const eq = a.indexOf('=');
    attributes[(eq < 0 ? a : a.slice(0, eq)).toLowerCase()] = eq < 0 ? '' : a.slice(eq + 1);
  }
  return { value: pair.slice(name.length + 1), attributes };
}

describe.each(DATABASES)('sign-in and consent pages (%s)', (_name, db) => {
  let t: TestApp;
  let p: AdminProvisioned;
  beforeAll(async () => {
    t = await startApp(db);
    p = await provisionThroughAdmin(t, { client_name: 'Photo <Printer> & Co', client_uri: 'https://printer.example.com/about?a=1&b=2' });
  });
  afterAll(() => t.close());

  const authorizePath = (who: AdminProvisioned = p) => {
    const pkce = pkcePair();
    return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: who.clientId, redirect_uri: who.redirectUri, state: 'st', code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`;
  };

  /** A new user of its own: consent is remembered per user and client, so each consent test starts fresh. */
  const newUser = async () => {
    const { user, password } = await userFactory.create(t);
    return { username: user.username, password, userId: user.id };
  };

  /** A browser signed in as a new user, showing the consent page for `who`. */
  async function atConsent(who: AdminProvisioned = p) {
    const agent = new UserAgent(t.url);
    await signIn(agent, await newUser());
    const page = await agent.get(authorizePath(who));
    expect(page.status).toBe(200);
    const html = await page.text();
    return { agent, page, html, form: parseForm(html) };
  }

  async function expectRefusedPage(res: Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain("<h1>This request can't be completed</h1>");
    expect(html).toContain('<code>invalid_request</code>');
  }

  function expectNoFraming(res: Response) {
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  }

  describe('login page', () => {
    it('holds one POST form with username, password and hidden _csrf and return_to inputs', async () => {
      const res = await new UserAgent(t.url).get('/login?return_to=%2Foauth%2Fauthorize%3Fx%3D1');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await res.text();
      const form = parseForm(html);
      expect(form.action).toBe('/login');
      expect(form.inputNames.sort()).toEqual(['_csrf', 'password', 'return_to', 'username']);
      expect(form.fields.return_to).toBe('/oauth/authorize?x=1');
      expect(form.fields._csrf).not.toBe('');
      const hidden = [...html.matchAll(/<input\b[^>]*type="hidden"[^>]*name="([^"]+)"/g)].map((m) => m[1]).sort();
      expect(hidden).toEqual(['_csrf', 'return_to']);
      expect(html).toMatch(/<input\b[^>]*name="password"[^>]*type="password"/);
    });

    it('re-renders the form with 401 and an error for a wrong password, never redirecting to the client', async () => {
      const agent = new UserAgent(t.url);
      const returnTo = authorizePath();
      const login = await agent.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
      const form = parseForm(await login.text());
      const res = await agent.postForm(form.action, { ...form.fields, username: p.username, password: 'wrong password!' });
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(setCookie(res, 'gh_session')).toBeNull();
      const html = await res.text();
      expect(html).toContain('<p class="error" role="alert">Wrong username or password.</p>');
      const again = parseForm(html);
      expect(again.inputNames.sort()).toEqual(['_csrf', 'password', 'return_to', 'username']);
      expect(again.fields.username).toBe(p.username);
      expect(again.fields.password).toBe('');
      expect(again.fields.return_to).toBe(returnTo);
    });

    it('gives an unknown user the same 401 page as a wrong password', async () => {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const res = await agent.postForm(form.action, { ...form.fields, username: 'nobody-here', password: 'whatever password' });
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('<p class="error" role="alert">Wrong username or password.</p>');
    });

    it('signs in with the right password and redirects to return_to', async () => {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login?return_to=%2Fsomewhere%3Fa%3D1')).text());
      const res = await agent.postForm(form.action, { ...form.fields, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/somewhere?a=1');
    });

    it.each([
      ['//evil.com', '//evil.com'],
      ['https://evil.com', 'https://evil.com'],
      ['/\\evil.com', '/\\evil.com'],
      ['a relative path', 'evil.com/path'],
    ])('sends return_to %s to / instead (no open redirect)', async (_what, returnTo) => {
      const agent = new UserAgent(t.url);
      const page = parseForm(await (await agent.get(`/login?return_to=${encodeURIComponent(returnTo)}`)).text());
      expect(page.fields.return_to).toBe('/');
      // A forged form field gets the same treatment.
      const res = await agent.postForm(page.action, { ...page.fields, return_to: returnTo, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
    });
  });

  describe('CSRF', () => {
    it('refuses POST /login without a _csrf field with 403', async () => {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const { _csrf, ...fields } = form.fields;
      const res = await agent.postForm(form.action, { ...fields, username: p.username, password: p.password });
      await expectRefusedPage(res, 403);
      expect(setCookie(res, 'gh_session')).toBeNull();
    });

    it('refuses POST /login with a wrong _csrf with 403', async () => {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const res = await agent.postForm(form.action, { ...form.fields, _csrf: `${form.fields._csrf}x`, username: p.username, password: p.password });
      await expectRefusedPage(res, 403);
    });

    it("refuses POST /login with another browser's _csrf with 403", async () => {
      const other = parseForm(await (await new UserAgent(t.url).get('/login')).text());
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const res = await agent.postForm(form.action, { ...form.fields, _csrf: other.fields._csrf, username: p.username, password: p.password });
      await expectRefusedPage(res, 403);
    });

    it('refuses POST /oauth/authorize without or with a wrong _csrf with 403, and the request can still be approved', async () => {
      const { agent, form } = await atConsent();
      const { _csrf, ...fields } = form.fields;
      await expectRefusedPage(await agent.postForm(form.action, { ...fields, decision: 'approve' }), 403);
      await expectRefusedPage(await agent.postForm(form.action, { ...fields, _csrf: 'forged', decision: 'approve' }), 403);
      const res = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toEqual(expect.any(String));
    });

    it('refuses POST /logout without or with a wrong _csrf with 403, and the session stays', async () => {
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      const form = parseForm(await (await agent.get('/logout')).text());
      await expectRefusedPage(await agent.postForm(form.action, {}), 403);
      await expectRefusedPage(await agent.postForm(form.action, { _csrf: 'forged' }), 403);
      const home = await agent.get('/');
      expect(home.status).toBe(200);
    });
  });

  describe('framing and cookies', () => {
    it('forbids framing of the login, consent, logout and error pages', async () => {
      expectNoFraming(await new UserAgent(t.url).get('/login'));
      expectNoFraming((await atConsent()).page);
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      expectNoFraming(await agent.get('/logout'));
      const error = await agent.get('/oauth/authorize?client_id=nope');
      expect(error.status).toBe(400);
      expectNoFraming(error);
    });

    it("sends helmet's page headers with every page", async () => {
      const res = await new UserAgent(t.url).get('/login');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('strict-transport-security')).toBeNull(); // http issuer
    });

    it('keeps page headers off JSON answers, which keep no-store where RFC 6749 §5.1 asks for it', async () => {
      const tokens = await obtainTokens(t, p);
      const auth = { authorization: basic(p.clientId, p.secret!) };
      const answers = [
        await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, auth),
        await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: 'unknown' }, auth),
        await postForm(`${t.url}/oauth/introspect`, { token: tokens.access_token }, auth),
        await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        await fetch(`${t.url}/.well-known/oauth-authorization-server`),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 400, 200, 200, 200]);
      for (const res of answers) {
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        for (const name of ['x-frame-options', 'content-security-policy', 'cross-origin-opener-policy', 'referrer-policy', 'x-xss-protection']) {
          expect(res.headers.get(name)).toBeNull();
        }
      }
      expect(answers.slice(0, 4).map((r) => r.headers.get('cache-control'))).toEqual(['no-store', 'no-store', 'no-store', 'no-store']);
    });

    it('sets the session cookie HttpOnly, SameSite=Lax, Path=/, not Secure under an http issuer', async () => {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const res = await agent.postForm(form.action, { ...form.fields, username: p.username, password: p.password });
      const cookie = setCookie(res, 'gh_session')!;
      expect(cookie).not.toBeNull();
      expect(cookie.attributes).toMatchObject({ httponly: '', samesite: 'Lax', path: '/' });
      expect(cookie.attributes).not.toHaveProperty('secure');
    });

    it('sets the pending-request and CSRF cookies HttpOnly and SameSite=Lax', async () => {
      const { page } = await atConsent();
      expect(setCookie(page, 'gh_authz')!.attributes).toMatchObject({ httponly: '', samesite: 'Lax', path: '/' });
      const login = await new UserAgent(t.url).get('/login');
      expect(setCookie(login, '_csrf')!.attributes).toMatchObject({ httponly: '', samesite: 'Lax', path: '/' });
    });

    describe('under an https ISSUER', () => {
      let https: TestApp;
      beforeAll(async () => (https = await startApp(db, { ISSUER: 'https://auth.example.com' })));
      afterAll(() => https.close());

      it('sets the session, CSRF and pending-request cookies Secure as well, __Host- prefixed', async () => {
        const who = await provisionThroughAdmin(https);
        const agent = new UserAgent(https.url);
        const page = await agent.get('/login');
        expect(setCookie(page, '__Host-_csrf')!.attributes).toMatchObject({ httponly: '', samesite: 'Lax', secure: '' });
        const form = parseForm(await page.text());
        const res = await agent.postForm(form.action, { ...form.fields, username: who.username, password: who.password });
        expect(res.status).toBe(302);
        expect(setCookie(res, '__Host-gh_session')!.attributes).toMatchObject({ httponly: '', samesite: 'Lax', path: '/', secure: '' });
        const consent = await agent.get(authorizePath(who));
        expect(consent.status).toBe(200);
        expect(setCookie(consent, '__Host-gh_authz')!.attributes).toMatchObject({ httponly: '', samesite: 'Lax', secure: '' });
      });

      it('adds Strict-Transport-Security to pages only', async () => {
        expect((await fetch(`${https.url}/login`)).headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
        expect((await fetch(`${https.url}/.well-known/oauth-authorization-server`)).headers.get('strict-transport-security')).toBeNull();
      });
    });
  });

  describe('consent page', () => {
    it("shows the client's name and client_uri (escaped), each scope with its description, and approve/deny buttons", async () => {
      const { html, form } = await atConsent();
      expect(html).toContain('Photo &lt;Printer&gt; &amp; Co');
      expect(html).not.toContain('Photo <Printer>');
      expect(html).toContain('href="https://printer.example.com/about?a=1&amp;b=2"');
      expect(html).toContain('<li><code>profile</code> See your user id and username</li>');
      expect(html).toContain('<li><code>email</code> See your email address</li>');
      expect(form.action).toBe('/oauth/authorize');
      expect(form.buttons).toEqual({ decision: ['deny', 'approve'] });
      expect(Object.keys(form.fields).sort()).toEqual(['_csrf', 'request_id']);
    });

    it('shows only the requested scopes', async () => {
      const agent = new UserAgent(t.url);
      await signIn(agent, await newUser());
      const page = await agent.get(`${authorizePath()}&scope=email`);
      const html = await page.text();
      expect(html).toContain('<li><code>email</code> See your email address</li>');
      expect(html).not.toContain('<code>profile</code>');
    });

    it('refuses a decision other than approve or deny with the 400 page', async () => {
      const { agent, form } = await atConsent();
      await expectRefusedPage(await agent.postForm(form.action, { ...form.fields, decision: 'maybe' }), 400);
    });

    it('refuses a pending request finished from another browser with the 400 page', async () => {
      const first = await atConsent();
      const second = await atConsent();
      expect(second.form.fields.request_id).not.toBe(first.form.fields.request_id);
      // The second browser's own session and CSRF token, the first browser's request id.
      const res = await second.agent.postForm(second.form.action, { ...second.form.fields, request_id: first.form.fields.request_id, decision: 'approve' });
      await expectRefusedPage(res, 400);
      // The first browser still finishes its own request.
      const own = await first.agent.postForm(first.form.action, { ...first.form.fields, decision: 'approve' });
      expect(own.status).toBe(302);
    });

    it('refuses a pending request posted by a browser that never started one with the 400 page', async () => {
      const first = await atConsent();
      const other = new UserAgent(t.url);
      await signIn(other, await newUser());
      const csrf = parseForm(await (await other.get('/logout')).text()).fields._csrf;
      const res = await other.postForm('/oauth/authorize', { _csrf: csrf, request_id: first.form.fields.request_id, decision: 'approve' });
      await expectRefusedPage(res, 400);
    });

    it('refuses a pending request submitted twice: the second post gets the 400 page', async () => {
      const { agent, form } = await atConsent();
      expect((await agent.postForm(form.action, { ...form.fields, decision: 'approve' })).status).toBe(302);
      await expectRefusedPage(await agent.postForm(form.action, { ...form.fields, decision: 'approve' }), 400);
    });
  });

  describe('logout and first-party clients', () => {
    it('ends the session: the next authorization request goes to /login', async () => {
      const agent = new UserAgent(t.url);
      await signIn(agent, await newUser());
      expect((await agent.get(authorizePath())).status).toBe(200);
      const form = parseForm(await (await agent.get('/logout')).text());
      const out = await agent.postForm(form.action, form.fields);
      expect(out.status).toBe(200);
      expect(agent.cookies.has('gh_session')).toBe(false);
      const res = await agent.get(authorizePath());
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/login\?return_to=%2Foauth%2Fauthorize%3F/);
    });

    it('skips the consent page for a skip_consent client', async () => {
      const firstParty = await provisionThroughAdmin(t, { skip_consent: true });
      const agent = new UserAgent(t.url);
      await signIn(agent, firstParty);
      const res = await agent.get(authorizePath(firstParty));
      expect(res.status).toBe(302);
      const callback = new URL(res.headers.get('location')!);
      expect(`${callback.origin}${callback.pathname}`).toBe(firstParty.redirectUri);
      expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    });

    it('shows the consent page for a client without skip_consent', async () => {
      const { page } = await atConsent();
      expect(page.status).toBe(200);
    });
  });
});
