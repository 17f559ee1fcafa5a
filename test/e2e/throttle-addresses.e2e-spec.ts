/**
 * What the brute-force counters count by: IPv6 addresses per /64 (before, each of 60 addresses of
 * one /64 had a counter of its own and nothing locked), failed admin API keys per address (before,
 * 100 wrong keys were 100 × 401), and every lock shows in gatehouse_lockouts_total and the audit
 * log (before, the metric never moved).
 */
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { ADMIN_KEY, DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('brute-force counters by address (%s)', (_name, db) => {
  let t: TestApp;
  let events: AuditEvent[];
  beforeAll(async () => {
    // Behind a proxy that sets X-Forwarded-For: the tests choose the client address.
    t = await startApp(db, { THROTTLE_ENABLED: 'true', TRUST_PROXY: 'true' });
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.advance(43_201);
    events.length = 0;
  });

  async function loginFrom(ip: string, username: string, password: string): Promise<number> {
    const agent = new UserAgent(t.url);
    const headers = { 'x-forwarded-for': ip };
    const form = parseForm(await (await agent.get('/login', headers)).text());
    const res = await agent.request('/login', { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, username, password }).toString() });
    return res.status;
  }

  async function lockouts(): Promise<Record<string, number>> {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^gatehouse_lockouts_total\{([^}]*)\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
    return out;
  }

  it('counts the addresses of one IPv6 /64 as one: five failures over five addresses lock it', async () => {
    const { user, password } = await userFactory.create(t);
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push(await loginFrom(`2001:db8:1:2::${i.toString(16)}`, user.username, 'wrong'));
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(await loginFrom('2001:db8:1:2:ffff:ffff:ffff:ffff', user.username, password)).toBe(429);
    // Another /64 is another address.
    expect(await loginFrom('2001:db8:1:3::1', user.username, password)).toBe(302);
  });

  it('counts password spraying from one /64 over many accounts: the twentieth failure locks it', async () => {
    const statuses = [];
    for (let i = 1; i <= 20; i++) statuses.push(await loginFrom(`2001:db8:5:5::${i.toString(16)}`, `spray${i}-${process.pid}`, 'Winter2026!'));
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses[19]).toBe(429);
    const { user, password } = await userFactory.create(t);
    expect(await loginFrom('2001:db8:5:5::abcd', user.username, password)).toBe(429);
    expect(await loginFrom('198.51.100.20', user.username, password)).toBe(302);
  });

  it('throttles wrong admin API keys per address: 429 with Retry-After; the right key from another address still works', async () => {
    const admin = (ip: string, key: string) => fetch(`${t.url}/admin/users`, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': ip } });
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await admin('198.51.100.66', `wrong-key-${i}`)).status);
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses[19]).toBe(429);
    const locked = await admin('198.51.100.66', ADMIN_KEY);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    expect(await locked.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect((await admin('198.51.100.67', ADMIN_KEY)).status).toBe(200);
    // The 101st wrong key of the attack from before: still refused without being checked.
    expect((await admin('198.51.100.66', 'wrong-key-100')).status).toBe(429);
    t.clock.advance(60);
    expect((await admin('198.51.100.66', ADMIN_KEY)).status).toBe(200);
  });

  it('counts every lock in gatehouse_lockouts_total and records lockout.imposed', async () => {
    const before = await lockouts();
    const { user } = await userFactory.create(t);
    for (let i = 0; i < 5; i++) await loginFrom('198.51.100.77', user.username, 'wrong');
    const after = await lockouts();
    const key = 'kind="password",counter="account_ip"';
    expect((after[key] ?? 0) - (before[key] ?? 0)).toBe(1);
    const imposed = events.filter((e) => e.type === 'lockout.imposed');
    expect(imposed).toEqual([{ type: 'lockout.imposed', ip: '198.51.100.77', detail: { kind: 'password', counter: 'account_ip', subject: user.username, failures: 5, seconds: 60 } }]);
  });
});
