/**
 * Two instances count together: on one MySQL database (the default store), and through Redis when
 * REDIS_URL is set. On MySQL, a sign-in session and a pending authorization request started on one
 * instance are finished on the other.
 */
import { Db } from '../../src/database/db';
import { TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { pkcePair, provisionThroughAdmin, signIn } from '../support/oauth-flow';

const THROTTLE = { THROTTLE_ENABLED: 'true' };
let prefixes = 0;

async function login(t: TestApp, username: string, password: string, cookies?: Map<string, string>) {
  const agent = new UserAgent(t.url);
  const form = parseForm(await (await agent.get('/login')).text());
  const res = await agent.postForm('/login', { ...form.fields, username, password });
  if (cookies) for (const [k, v] of agent.cookies) cookies.set(k, v);
  return res;
}

/** Both instances' clocks on the same second, then moved together. */
function alignClocks(a: TestApp, b: TestApp) {
  b.clock.advance(a.clock.now() - b.clock.now());
}

(process.env.TEST_MYSQL_URL ? describe : describe.skip)('two instances on one MySQL database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startApp(process.env.TEST_MYSQL_URL!, THROTTLE);
    const database = a.config.database;
    if (database.type !== 'mysql') throw new Error('expected MySQL');
    b = await startApp(database.url, THROTTLE, { shareDatabase: true });
    alignClocks(a, b);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('share the failure counters: failures on both lock the account on both, and the wait ends on both', async () => {
    const { user, password } = await userFactory.create(a);
    expect((await login(a, user.username, 'wrong')).status).toBe(401);
    expect((await login(b, user.username, 'wrong')).status).toBe(401);
    expect((await login(a, user.username, 'wrong')).status).toBe(401);
    expect((await login(b, user.username, 'wrong')).status).toBe(401);
    const locked = await login(a, user.username, 'wrong');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    const other = await login(b, user.username, password);
    expect(other.status).toBe(429);
    expect(other.headers.get('retry-after')).toBe('60');
    a.clock.advance(60);
    b.clock.advance(60);
    expect((await login(b, user.username, password)).status).toBe(302);
  });

  it('share sessions: signed in on one, signed in on the other; signed out on one, signed out on both', async () => {
    const { user, password } = await userFactory.create(a);
    const cookies = new Map<string, string>();
    expect((await login(a, user.username, password, cookies)).status).toBe(302);
    const onB = new UserAgent(b.url);
    for (const [k, v] of cookies) onB.cookies.set(k, v);
    expect((await onB.get('/')).status).toBe(200);
    const form = parseForm(await (await onB.get('/logout')).text());
    expect((await onB.postForm('/logout', form.fields)).status).toBe(200);
    const onA = new UserAgent(a.url);
    for (const [k, v] of cookies) onA.cookies.set(k, v);
    expect((await onA.get('/')).status).toBe(302);
  });

  it('finish on one instance an authorization request the other began', async () => {
    const who = await provisionThroughAdmin(a);
    const agent = new UserAgent(a.url);
    await signIn(agent, who);
    const pkce = pkcePair();
    const page = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: who.clientId, redirect_uri: who.redirectUri, state: 'x', code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`);
    expect(page.status).toBe(200);
    const form = parseForm(await page.text());
    const onB = new UserAgent(b.url);
    for (const [k, v] of agent.cookies) onB.cookies.set(k, v);
    const res = await onB.postForm(form.action, { ...form.fields, decision: 'approve' });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});

describe('two instances sharing Redis (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { ...THROTTLE, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: `gh-test-${process.pid}-${Date.now()}-${prefixes++}:` };
    a = await startApp('sqlite::memory:', env);
    b = await startApp('sqlite::memory:', env);
    alignClocks(a, b);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('count failures together through Redis, not in either database', async () => {
    const { user, password } = await userFactory.create(a);
    // b has its own database without this user: its failures still count for the username.
    for (const t of [a, b, a, b]) expect((await login(t, user.username, 'wrong')).status).toBe(401);
    const locked = await login(b, user.username, 'wrong');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    const onA = await login(a, user.username, password);
    expect(onA.status).toBe(429);
    expect(onA.headers.get('retry-after')).toBe('60');
    for (const t of [a, b]) {
      const [row] = await t.app.get(Db).query<{ n: number }>('SELECT COUNT(*) AS n FROM auth_throttle');
      expect(Number(row.n)).toBe(0);
    }
    a.clock.advance(60);
    b.clock.advance(60);
    expect((await login(a, user.username, password)).status).toBe(302);
  });
});
