/**
 * Lockout is no weapon (OWASP "device cookies"): a browser that signed in to an account before
 * carries a signed known-device cookie; while strangers have the account locked, that browser is
 * held only to its own failures. Before, 5 failures from each of 6 addresses locked `victim`
 * everywhere and the owner's own browser got 429 with the right password.
 */
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { ClientsService } from '../../src/clients/clients.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { userFactory } from '../factories/user.factory';

const ATTACKERS = ['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4', '127.0.2.5', '127.0.2.6'];

describe.each(DATABASES)('known-device cookies (%s)', (_name, db) => {
  let t: TestApp;
  let events: AuditEvent[];
  beforeAll(async () => {
    // The defaults: 5 failures per account and IP, 30 per account over every IP.
    t = await startApp(db, { THROTTLE_ENABLED: 'true', PASSWORD_GRANT_ENABLED: 'true' });
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.advance(43_201));

  async function login(agent: UserAgent, username: string, password: string) {
    const form = parseForm(await (await agent.get('/login')).text());
    return agent.postForm('/login', { ...form.fields, username, password });
  }

  /** The owner signs in once from their browser (which keeps its cookies), then six addresses lock the account. */
  async function lockedOutOwner() {
    const { user, password } = await userFactory.create(t);
    const browser = new UserAgent(t.url, '127.0.2.100');
    expect((await login(browser, user.username, password)).status).toBe(302);
    expect(browser.cookies.get('gh_device')).toBeTruthy();
    const statuses: number[] = [];
    for (const from of ATTACKERS) for (let i = 0; i < 5; i++) statuses.push((await login(new UserAgent(t.url, from), user.username, `guess-${from}-${i}`)).status);
    // Each address's fifth failure locks that address; the thirtieth locks the account for everyone without the cookie.
    expect(statuses).toEqual(ATTACKERS.flatMap(() => [401, 401, 401, 401, 429]));
    return { user, password, browser };
  }

  it("six addresses lock the account for strangers, yet the owner's browser still signs in", async () => {
    const { user, password, browser } = await lockedOutOwner();
    // A stranger with the right password: locked out (the account lock stands).
    const stranger = await login(new UserAgent(t.url, '127.0.2.200'), user.username, password);
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(0);
    // The owner's browser, from its address or another one (a phone changing networks).
    expect((await login(browser, user.username, password)).status).toBe(302);
    const moved = new UserAgent(t.url, '127.0.2.101');
    for (const [k, v] of browser.cookies) moved.cookies.set(k, v);
    expect((await login(moved, user.username, password)).status).toBe(302);
    // Its success does not lift the lock for strangers.
    expect((await login(new UserAgent(t.url, '127.0.2.200'), user.username, password)).status).toBe(429);
    expect(events).toContainEqual(expect.objectContaining({ type: 'sign_in.succeeded', userId: user.id, detail: { via: 'login', known_device: true } }));
  });

  it("the known device is held to its own failures: five lock it, and then it waits like anyone", async () => {
    const { user, password, browser } = await lockedOutOwner();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(browser, user.username, 'my own typo')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const locked = await login(browser, user.username, password);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
  });

  it('a tampered cookie, or one for another account, is no known device', async () => {
    const { user, password, browser } = await lockedOutOwner();
    const cookie = browser.cookies.get('gh_device')!;
    const tampered = new UserAgent(t.url, '127.0.2.100');
    tampered.cookies.set('gh_device', cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect((await login(tampered, user.username, password)).status).toBe(429);
    // A device cookie the attacker earned by signing in to an account of their own.
    const mine = await userFactory.create(t);
    const attacker = new UserAgent(t.url, '127.0.2.150');
    expect((await login(attacker, mine.user.username, mine.password)).status).toBe(302);
    expect((await login(attacker, user.username, password)).status).toBe(429);
  });

  it('the password grant has no browser: it keeps the account lock', async () => {
    const { user, password } = await lockedOutOwner();
    const { client, secret } = await t.app.get(ClientsService).create({ client_name: 'Password', grant_types: ['password'], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'profile' });
    const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'password', username: user.username, password }, { authorization: basic(client.clientId, secret!) });
    expect(res.status).toBe(429);
  });

  it('the cookie is signed, HttpOnly, SameSite=Lax, long-lived, and names no password', async () => {
    const { user, password } = await userFactory.create(t);
    const form = parseForm(await (await new UserAgent(t.url).get('/login')).text());
    const agent = new UserAgent(t.url);
    const page = await agent.get('/login');
    const fields = parseForm(await page.text()).fields;
    const res = await agent.postForm('/login', { ...form.fields, ...fields, username: user.username, password });
    const line = res.headers.getSetCookie().find((c) => c.startsWith('gh_device='))!;
    expect(line).toMatch(/; Max-Age=15552000/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).not.toContain(password);
  });
});
