/**
 * Smaller hardening: the authorization response that carries a code is never cached, and under an
 * https issuer every cookie is `__Host-` prefixed (Secure, Path=/, no Domain), while an http
 * loopback issuer keeps the plain names browsers accept there.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { pkcePair, provision, signIn } from '../support/oauth-flow';

describe.each(DATABASES)('hardening (%s)', (_name, db) => {
  describe('http loopback issuer', () => {
    let t: TestApp;
    beforeAll(async () => (t = await startApp(db)));
    afterAll(() => t.close());

    it('answers the code redirect with Cache-Control: no-store', async () => {
      const p = await provision(t, { skip_consent: true });
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      const pkce = pkcePair();
      const res = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 's' })}`);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('keeps plain cookie names (a browser refuses __Host- without https)', async () => {
      const p = await provision(t);
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      expect([...agent.cookies.keys()].sort()).toEqual(['_csrf', 'gh_device', 'gh_session']);
    });
  });

  describe('https issuer', () => {
    let t: TestApp;
    beforeAll(async () => (t = await startApp(db, { ISSUER: 'https://auth.example.com' })));
    afterAll(() => t.close());

    it('sets every cookie as __Host-<name>; Secure; Path=/ without Domain, and reads them back', async () => {
      const p = await provision(t);
      const agent = new UserAgent(t.url);
      const page = await agent.get('/login');
      const form = parseForm(await page.text());
      const res = await agent.postForm('/login', { ...form.fields, username: p.username, password: p.password });
      expect(res.status).toBe(302);
      const lines = res.headers.getSetCookie();
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) {
        expect(line).toMatch(/^__Host-/);
        expect(line).toMatch(/; Secure/);
        expect(line).toMatch(/; Path=\//);
        expect(line).not.toMatch(/; Domain=/i);
      }
      expect([...agent.cookies.keys()].sort()).toEqual(['__Host-_csrf', '__Host-gh_device', '__Host-gh_session']);
      // Signed in: the prefixed session cookie is read back.
      const home = await agent.get('/');
      expect(home.status).toBe(200);
      // The same values without the prefix (as a sibling subdomain could plant them) sign no one in.
      const planted = new UserAgent(t.url);
      for (const [k, v] of agent.cookies) planted.cookies.set(k.replace(/^__Host-/, ''), v);
      expect((await planted.get('/')).status).toBe(302);
      // The sign-out form works with prefixed cookies (CSRF double submit included).
      const logout = parseForm(await (await agent.get('/logout')).text());
      expect((await agent.postForm(logout.action, logout.fields)).status).toBe(200);
      expect((await agent.get('/')).status).toBe(302);
    });
  });
});
