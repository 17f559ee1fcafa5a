/**
 * Server-side sign-in sessions: sign-out, a password change, a user deletion or the operator end
 * them on the server (a copied cookie signs no one in), every sign-in gets a new session id and a
 * new CSRF secret, and the admin API lists and ends a user's sessions. The pending authorization
 * request lives in the database, so the largest state and redirect URI keep a small cookie.
 */
import { Db } from '../../src/database/db';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { pkcePair, provisionThroughAdmin, signIn } from '../support/oauth-flow';

describe.each(DATABASES)('sign-in sessions (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { SESSION_TTL: '3600' })));
  afterAll(() => t.close());

  async function signedInUser() {
    const { user, password } = await userFactory.create(t);
    const agent = new UserAgent(t.url);
    await signIn(agent, { username: user.username, password });
    return { agent, user, password };
  }

  /** Whether this cookie jar is signed in: GET / shows the home page instead of redirecting. */
  async function isSignedIn(cookies: Map<string, string>): Promise<boolean> {
    const agent = new UserAgent(t.url);
    for (const [k, v] of cookies) agent.cookies.set(k, v);
    const res = await agent.get('/');
    if (res.status === 200) return true;
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
    return false;
  }

  async function signOut(agent: UserAgent) {
    const form = parseForm(await (await agent.get('/logout')).text());
    const res = await agent.postForm(form.action, form.fields);
    expect(res.status).toBe(200);
  }

  it('stores the session as a SHA-256 digest, never the cookie value', async () => {
    const { agent, user } = await signedInUser();
    const cookie = agent.cookies.get('gh_session')!;
    const rows = await t.app.get(Db).query<{ id_hash: string }>('SELECT id_hash FROM user_session WHERE user_id = ?', [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeURIComponent(cookie)).not.toContain(rows[0].id_hash);
  });

  it('signs out on the server: a copy of the cookie taken before sign-out signs no one in', async () => {
    const { agent, user } = await signedInUser();
    const copy = new Map(agent.cookies);
    expect(await isSignedIn(copy)).toBe(true);
    await signOut(agent);
    expect(await isSignedIn(copy)).toBe(false);
    const events = await adminRequest(t, 'GET', `/admin/events?type=session.ended&user_id=${user.id}`);
    expect(events.body.data).toEqual([expect.objectContaining({ ip: '127.0.0.1', detail: { reason: 'sign_out', session_id: expect.any(Number) } })]);
    const console = new UserAgent(t.url);
    for (const [k, v] of copy) console.cookies.set(k, v);
    const res = await console.get('/console');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Fconsole');
  });

  it('gives every sign-in a new session id and ends the one the browser held', async () => {
    const { agent, user, password } = await signedInUser();
    const first = new Map(agent.cookies);
    await signIn(agent, { username: user.username, password });
    expect(agent.cookies.get('gh_session')).not.toBe(first.get('gh_session'));
    expect(await isSignedIn(agent.cookies)).toBe(true);
    expect(await isSignedIn(first)).toBe(false);
  });

  it('drops the CSRF secret at sign-in: a token minted before sign-in no longer verifies', async () => {
    const { user, password } = await userFactory.create(t);
    const agent = new UserAgent(t.url);
    const loginForm = parseForm(await (await agent.get('/login')).text());
    const before = { cookie: agent.cookies.get('_csrf')!, token: loginForm.fields._csrf };
    const res = await agent.postForm('/login', { ...loginForm.fields, username: user.username, password });
    expect(res.status).toBe(302);
    expect(agent.cookies.get('_csrf')).not.toBe(before.cookie);
    const after = agent.cookies.get('_csrf')!;
    // The pre-sign-in secret and token (say, planted by an attacker): refused, with the secret put back.
    agent.cookies.set('_csrf', before.cookie);
    const forged = await agent.postForm('/logout', { _csrf: before.token });
    expect(forged.status).toBe(403);
    expect(agent.cookies.get('_csrf')).toBe(after);
    expect(await isSignedIn(agent.cookies)).toBe(true);
    // Without any _csrf cookie (a browser restart drops it), the signed-in browser gets its secret back.
    agent.cookies.delete('_csrf');
    await signOut(agent);
    expect(await isSignedIn(agent.cookies)).toBe(false);
  });

  it('expires with SESSION_TTL', async () => {
    const { agent } = await signedInUser();
    t.clock.advance(3599);
    expect(await isSignedIn(agent.cookies)).toBe(true);
    t.clock.advance(1);
    expect(await isSignedIn(agent.cookies)).toBe(false);
  });

  it("a new password through the admin API ends all of the user's sessions", async () => {
    const { agent, user, password } = await signedInUser();
    const other = new UserAgent(t.url);
    await signIn(other, { username: user.username, password });
    const res = await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { password: 'a brand new password' });
    expect(res.status).toBe(200);
    expect(await isSignedIn(agent.cookies)).toBe(false);
    expect(await isSignedIn(other.cookies)).toBe(false);
    await signIn(agent, { username: user.username, password: 'a brand new password' });
    expect(await isSignedIn(agent.cookies)).toBe(true);
  });

  it('changing only the email keeps the sessions', async () => {
    const { agent, user } = await signedInUser();
    expect((await adminRequest(t, 'PATCH', `/admin/users/${user.id}`, { email: 'new@example.com' })).status).toBe(200);
    expect(await isSignedIn(agent.cookies)).toBe(true);
  });

  it('deleting the user ends their sessions', async () => {
    const { agent, user } = await signedInUser();
    expect((await adminRequest(t, 'DELETE', `/admin/users/${user.id}`)).status).toBe(204);
    expect(await isSignedIn(agent.cookies)).toBe(false);
  });

  describe('GET|DELETE /admin/users/:id/sessions', () => {
    it('lists the sessions newest first, without cookie values or digests', async () => {
      const { agent, user, password } = await signedInUser();
      const cookie = agent.cookies.get('gh_session')!;
      await signOut(agent);
      await signIn(agent, { username: user.username, password });
      const res = await adminRequest(t, 'GET', `/admin/users/${user.id}/sessions`);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(2);
      const [open, ended] = res.body.data;
      expect(open).toEqual({
        id: expect.any(Number),
        user_id: user.id,
        created_at: t.clock.now(),
        expires_at: t.clock.now() + 3600,
        ended_at: null,
        active: true,
        ip: '127.0.0.1',
        user_agent: expect.any(String),
      });
      expect(ended).toMatchObject({ user_id: user.id, ended_at: t.clock.now(), active: false });
      expect(open.id).toBeGreaterThan(ended.id);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(decodeURIComponent(cookie).split('.')[0]);
      expect(text).not.toMatch(/[0-9a-f]{64}/);
    });

    it('pages with limit and offset', async () => {
      const { agent, user, password } = await signedInUser();
      await signIn(agent, { username: user.username, password });
      const res = await adminRequest(t, 'GET', `/admin/users/${user.id}/sessions?limit=1&offset=1`);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(2);
      expect(res.body.data).toHaveLength(1);
      expect(res.body.data[0].active).toBe(false);
    });

    it('DELETE ends every open session (204) and they sign no one in', async () => {
      const { agent, user } = await signedInUser();
      const res = await adminRequest(t, 'DELETE', `/admin/users/${user.id}/sessions`);
      expect(res.status).toBe(204);
      expect(res.body).toBeNull();
      expect(await isSignedIn(agent.cookies)).toBe(false);
      const list = await adminRequest(t, 'GET', `/admin/users/${user.id}/sessions`);
      expect(list.body.data.every((s: { active: boolean; ended_at: number }) => !s.active && s.ended_at === t.clock.now())).toBe(true);
      const events = await adminRequest(t, 'GET', `/admin/events?type=session.ended&user_id=${user.id}`);
      expect(events.body.data).toEqual([expect.objectContaining({ ip: '127.0.0.1', detail: { reason: 'admin', count: 1 } })]);
      expect((await adminRequest(t, 'DELETE', `/admin/users/${user.id}/sessions`)).status).toBe(204);
    });

    it('answers 404 for an unknown user, 400 for a bad id, 401 without the key', async () => {
      expect((await adminRequest(t, 'GET', '/admin/users/999999/sessions')).status).toBe(404);
      expect((await adminRequest(t, 'DELETE', '/admin/users/999999/sessions')).status).toBe(404);
      const bad = await adminRequest(t, 'GET', '/admin/users/abc/sessions');
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('id');
      expect((await fetch(`${t.url}/admin/users/1/sessions`)).status).toBe(401);
      expect((await fetch(`${t.url}/admin/users/1/sessions`, { method: 'DELETE' })).status).toBe(401);
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as any;
      const path = doc.paths['/admin/users/{id}/sessions'];
      expect(Object.keys(path).sort()).toEqual(['delete', 'get']);
      expect(path.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/SessionListDto');
      expect(doc.components.schemas.SessionDto.properties).toHaveProperty('ended_at');
    });
  });

  describe('the pending authorization request', () => {
    it('keeps a small cookie and completes with a 2048-character state and a 2 KB redirect URI', async () => {
      const redirectUri = `https://app.example.com/callback/${'a'.repeat(2000 - 33)}`;
      const who = await provisionThroughAdmin(t, { redirect_uris: [redirectUri] });
      const agent = new UserAgent(t.url);
      await signIn(agent, who);
      const state = 's'.repeat(2048);
      const pkce = pkcePair();
      const page = await agent.get(
        `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: who.clientId, redirect_uri: redirectUri, state, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`,
      );
      expect(page.status).toBe(200);
      const line = page.headers.getSetCookie().find((l) => l.startsWith('gh_authz='))!;
      expect(line.length).toBeLessThan(300);
      const form = parseForm(await page.text());
      const res = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
      expect(location.searchParams.get('state')).toBe(state);
      expect(location.searchParams.get('code')).toBeTruthy();
    });

    it('expires after 10 minutes', async () => {
      const who = await provisionThroughAdmin(t);
      const agent = new UserAgent(t.url);
      await signIn(agent, who);
      const pkce = pkcePair();
      const page = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: who.clientId, redirect_uri: who.redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`);
      const form = parseForm(await page.text());
      t.clock.advance(600);
      const res = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('expired');
    });
  });
});
