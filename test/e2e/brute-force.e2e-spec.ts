/**
 * Brute-force protection: failed password checks (sign-in page, password grant) and failed client
 * authentication (token, revocation, introspection) are counted per account, per (account, IP) and
 * per IP; past a limit the answer is 429 with Retry-After, the wait doubles, a success resets the
 * account, and one attacking IP cannot lock the user out of other IPs. Time moves with the FixedClock.
 */
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { provision } from '../support/oauth-flow';

const THROTTLE = { THROTTLE_ENABLED: 'true' };

describe.each(DATABASES)('brute-force protection (%s)', (_name, db) => {
  let t: TestApp;
  let events: AuditEvent[];
  beforeAll(async () => {
    t = await startApp(db, { ...THROTTLE, PASSWORD_GRANT_ENABLED: 'true', SIGNUP_ENABLED: 'true' });
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
  });
  afterAll(() => t.close());
  // Each test starts past every window and lock: the per-IP counter of 127.0.0.1 starts from zero.
  beforeEach(() => t.clock.advance(901));

  /** A user of its own, so counters never carry over between tests. */
  async function newUser() {
    const { user, password } = await userFactory.create(t);
    return { username: user.username, password, id: user.id };
  }

  /** One POST /login from `from` (127.0.0.1 unless given) with a fresh form. */
  async function login(username: string, password: string, from?: string) {
    const agent = new UserAgent(t.url, from);
    const form = parseForm(await (await agent.get('/login')).text());
    return agent.postForm('/login', { ...form.fields, username, password });
  }

  async function expectLockedPage(res: Response, retryAfter: number) {
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(retryAfter));
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Too many failed sign-in attempts. Try again in');
    expect(parseForm(html).inputNames.sort()).toEqual(['_csrf', 'password', 'return_to', 'username']);
  }

  describe('the sign-in page', () => {
    it('answers 401 for four wrong passwords, 429 with Retry-After: 60 at the fifth, and signs in once the wait is over', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) expect((await login(u.username, 'wrong password')).status).toBe(401);
      await expectLockedPage(await login(u.username, 'wrong password'), 60);
      // Locked: even the right password is not checked.
      t.clock.advance(30);
      await expectLockedPage(await login(u.username, u.password), 30);
      t.clock.advance(30);
      const res = await login(u.username, u.password);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
    });

    it('doubles the wait with each failure after the limit, up to 15 minutes', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) await login(u.username, 'wrong');
      const waits: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await login(u.username, 'wrong');
        expect(res.status).toBe(429);
        const wait = res.headers.get('retry-after')!;
        waits.push(wait);
        t.clock.advance(Number(wait));
      }
      expect(waits).toEqual(['60', '120', '240', '480', '900', '900']);
    });

    it('a success resets the account: four more failures are 401 again', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) await login(u.username, 'wrong');
      expect((await login(u.username, u.password)).status).toBe(302);
      for (let i = 0; i < 4; i++) expect((await login(u.username, 'wrong')).status).toBe(401);
    });

    it('counts the username case-insensitively', async () => {
      const u = await newUser();
      for (let i = 0; i < 4; i++) await login(i % 2 ? u.username.toUpperCase() : u.username, 'wrong');
      expect((await login(u.username.toUpperCase(), 'wrong')).status).toBe(429);
      t.clock.advance(60);
    });

    it('treats an unknown username the same way (no hint that it does not exist)', async () => {
      const name = `nobody-${process.pid}-${Date.now()}`;
      for (let i = 0; i < 4; i++) expect((await login(name, 'wrong')).status).toBe(401);
      await expectLockedPage(await login(name, 'wrong'), 60);
      t.clock.advance(60);
    });

    it('one IP locked out does not lock the user out from another IP', async () => {
      const u = await newUser();
      for (let i = 0; i < 5; i++) await login(u.username, 'wrong', '127.0.0.2');
      expect((await login(u.username, u.password, '127.0.0.2')).status).toBe(429);
      const res = await login(u.username, u.password, '127.0.0.3');
      expect(res.status).toBe(302);
      t.clock.advance(60);
    });

    it('does not count a form without username or password', async () => {
      const u = await newUser();
      for (let i = 0; i < 6; i++) expect((await login(u.username, '')).status).toBe(401);
      expect((await login(u.username, u.password)).status).toBe(302);
    });

    it('records sign_in.failed, sign_in.locked_out and sign_in.succeeded audit events, never the password', async () => {
      const u = await newUser();
      events.length = 0;
      for (let i = 0; i < 5; i++) await login(u.username, 'secret-guess-123');
      t.clock.advance(60);
      await login(u.username, u.password);
      const types = events.filter((e) => e.type.startsWith('sign_in.')).map((e) => e.type);
      expect(types).toEqual([...Array(5).fill('sign_in.failed'), 'sign_in.locked_out', 'sign_in.succeeded']);
      expect(events.find((e) => e.type === 'sign_in.failed')).toEqual({ type: 'sign_in.failed', ip: '127.0.0.1', detail: { via: 'login', username: u.username } });
      expect(events.find((e) => e.type === 'sign_in.locked_out')!.detail).toEqual({ via: 'login', username: u.username, retry_after: 60, known_device: false });
      expect(events.find((e) => e.type === 'sign_in.succeeded')).toMatchObject({ userId: u.id, ip: '127.0.0.1' });
      const text = JSON.stringify(events);
      expect(text).not.toContain('secret-guess-123');
      expect(text).not.toContain(u.password);
    });
  });

  describe('the password grant (RFC 6749 §4.3)', () => {
    async function passwordGrant(p: { clientId: string; secret: string | null }, username: string, password: string) {
      const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'password', username, password }, { authorization: basic(p.clientId, p.secret!) });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    }

    it('answers invalid_grant four times, then 429 temporarily_unavailable with Retry-After, and works after the wait', async () => {
      const p = await provision(t, { grant_types: ['password'], redirect_uris: [] });
      for (let i = 0; i < 4; i++) expect((await passwordGrant(p, p.username, 'wrong')).body.error).toBe('invalid_grant');
      const locked = await passwordGrant(p, p.username, 'wrong');
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ error: 'temporarily_unavailable', error_description: 'too many failed attempts; retry after 60 seconds' });
      expect(locked.headers.get('retry-after')).toBe('60');
      expect(locked.headers.get('cache-control')).toBe('no-store');
      expect(locked.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect((await passwordGrant(p, p.username, p.password)).status).toBe(429);
      t.clock.advance(60);
      const ok = await passwordGrant(p, p.username, p.password);
      expect(ok.status).toBe(200);
      expect(ok.body.access_token).toBeTruthy();
    });

    it('shares the account counters with the sign-in page', async () => {
      const p = await provision(t, { grant_types: ['password'], redirect_uris: [] });
      for (let i = 0; i < 4; i++) await login(p.username, 'wrong');
      expect((await passwordGrant(p, p.username, 'wrong')).status).toBe(429);
      await expectLockedPage(await login(p.username, p.password), 60);
      t.clock.advance(60);
    });
  });

  describe('client authentication', () => {
    it('answers wrong secrets with 429 after five failures at the token, revocation and introspection endpoints together; the right secret still works', async () => {
      const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [] });
      const wrong = { authorization: basic(p.clientId, 'not the secret') };
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, wrong)).status).toBe(401);
      expect((await postForm(`${t.url}/oauth/revoke`, { token: 'x' }, wrong)).status).toBe(401);
      expect((await postForm(`${t.url}/oauth/introspect`, { token: 'x' }, wrong)).status).toBe(401);
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials', client_id: p.clientId, client_secret: 'nope' })).status).toBe(401);
      const locked = await postForm(`${t.url}/oauth/introspect`, { token: 'x' }, wrong);
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toBe('60');
      expect(locked.headers.get('cache-control')).toBe('no-store');
      expect(await locked.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'too many failed attempts; retry after 60 seconds' });
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, wrong)).status).toBe(429);
      // A 256-bit secret cannot be guessed: the right one is never refused, so an attacker cannot lock the client out.
      const right = { authorization: basic(p.clientId, p.secret!) };
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, right)).status).toBe(200);
      expect((await postForm(`${t.url}/oauth/revoke`, { token: 'x' }, right)).status).toBe(200);
      t.clock.advance(60);
      // The lock over, the next wrong secret locks again, twice as long.
      const again = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, wrong);
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('120');
    });

    it('records client.authentication_failed without the secret', async () => {
      const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [] });
      events.length = 0;
      await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, 'guessed-secret-xyz') });
      expect(events).toEqual([{ type: 'client.authentication_failed', clientId: p.clientId, ip: '127.0.0.1', detail: { endpoint: '/oauth/token' } }]);
      expect(JSON.stringify(events)).not.toContain('guessed-secret-xyz');
    });
  });

  describe('sign-up', () => {
    it('"already taken" answers are throttled per IP: 429 with Retry-After past the limit', async () => {
      const u = await newUser();
      const from = '127.0.0.9';
      let last: Response | undefined;
      for (let i = 0; i < 20; i++) {
        const agent = new UserAgent(t.url, from);
        const form = parseForm(await (await agent.get('/signup')).text());
        last = await agent.postForm('/signup', { ...form.fields, username: u.username, password: 'a good long password' });
        if (i < 19) expect(last.status).toBe(400);
      }
      expect(last!.status).toBe(429);
      expect(last!.headers.get('retry-after')).toBe('60');
      expect(await last!.text()).toContain('Too many sign-up attempts');
      // Another address is not affected.
      const agent = new UserAgent(t.url, '127.0.0.10');
      const form = parseForm(await (await agent.get('/signup')).text());
      expect((await agent.postForm('/signup', { ...form.fields, username: u.username, password: 'a good long password' })).status).toBe(400);
      t.clock.advance(60);
    });
  });

  describe('per-IP limit (password spraying)', () => {
    it('locks an IP after 20 failures over different accounts; other IPs go on', async () => {
      const from = '127.0.0.20';
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await login(`spray-${i}-${process.pid}`, 'Winter2026!', from)).status);
      expect(statuses).toEqual([...Array(19).fill(401), 429]);
      const u = await newUser();
      expect((await login(u.username, u.password, from)).status).toBe(429);
      expect((await login(u.username, u.password, '127.0.0.21')).status).toBe(302);
      t.clock.advance(60);
      expect((await login(u.username, u.password, from)).status).toBe(302);
    });
  });
});

describe.each(DATABASES)('brute-force protection: every IP together (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { ...THROTTLE, THROTTLE_ACCOUNT_FAILURES: '8' })));
  afterAll(() => t.close());

  async function loginFrom(from: string, username: string, password: string) {
    const agent = new UserAgent(t.url, from);
    const form = parseForm(await (await agent.get('/login')).text());
    return agent.postForm('/login', { ...form.fields, username, password });
  }

  it('locks the account everywhere once many IPs together pass the account limit, for a bounded time', async () => {
    const { user, password } = await userFactory.create(t);
    for (let i = 0; i < 4; i++) expect((await loginFrom('127.0.1.1', user.username, 'wrong')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await loginFrom('127.0.1.2', user.username, 'wrong')).status).toBe(401);
    // The eighth failure, from a second IP that is itself under its own limit, reaches the account's limit (8).
    expect((await loginFrom('127.0.1.2', user.username, 'wrong')).status).toBe(429);
    const res = await loginFrom('127.0.1.3', user.username, password);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    t.clock.advance(60);
    expect((await loginFrom('127.0.1.3', user.username, password)).status).toBe(302);
  });
});
