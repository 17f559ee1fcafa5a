/**
 * Return targets after sign-in and sign-up (RFC 9700 §4.11: no open redirector). Every hostile
 * `return_to`, by GET or POST, lands on the server's own origin, and no value gets a 5xx.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { userFactory } from '../factories/user.factory';

/** Values whose decoded form is hostile (the query and form decoders turn %09 into a tab). */
const HOSTILE: Array<[string, string]> = [
  ['an encoded tab before a second slash', '/\t/evil.com'],
  ['CR LF', '/\r\n/evil.com'],
  ['CR LF header injection', '/x\r\nSet-Cookie: pwned=1'],
  ['NUL', '/\u0000/evil.com'],
  ['VT', '/\u000b/evil.com'],
  ['FF', '/\u000c/evil.com'],
  ['a C1 control', '/\u0085evil.com'],
  ['a backslash', '/\\evil.com'],
  ['two backslashes', '\\\\evil.com'],
  ['a protocol-relative URL', '//evil.com'],
  ['dot segments that make //', '/.//evil.com'],
  ['an absolute URL', 'https://evil.com/'],
  ['javascript:', 'javascript:alert(1)'],
];

describe.each(DATABASES)('return targets after sign-in and sign-up (%s)', (_name, db) => {
  let t: TestApp;
  let login: { username: string; password: string };
  beforeAll(async () => {
    t = await startApp(db, { SIGNUP_ENABLED: 'true' });
    const { user, password } = await userFactory.create(t);
    login = { username: user.username, password };
  });
  afterAll(() => t.close());

  /** The hostile list, plus this host on another port. */
  const hostile = () => [...HOSTILE, ['this host on another port', `http://127.0.0.1:${Number(new URL(t.url).port) + 1}/console`] as [string, string]];

  /** A Location on this server: a path, never a scheme-relative or absolute URL, only printable ASCII. */
  function expectOwnOrigin(location: string | null, expected: string) {
    expect(location).toBe(expected);
    expect(new URL(location!, t.url).origin).toBe(new URL(t.url).origin);
    expect(location).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
  }

  it.each(HOSTILE.map(([what]) => [what]))('GET /login with %s renders return_to "/"', async (what) => {
    const value = hostile().find(([w]) => w === what)![1];
    const res = await new UserAgent(t.url).get(`/login?return_to=${encodeURIComponent(value)}`);
    expect(res.status).toBe(200);
    expect(parseForm(await res.text()).fields.return_to).toBe('/');
  });

  it('GET /login with the raw query /%09/evil.com renders return_to "/"', async () => {
    const res = await new UserAgent(t.url).get('/login?return_to=/%09/evil.com');
    expect(res.status).toBe(200);
    expect(parseForm(await res.text()).fields.return_to).toBe('/');
  });

  it('POST /login with every hostile return_to signs in and redirects to /', async () => {
    for (const [what, value] of hostile()) {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/login')).text());
      const res = await agent.postForm('/login', { ...form.fields, return_to: value, ...login });
      expect({ what, status: res.status }).toEqual({ what, status: 302 });
      expectOwnOrigin(res.headers.get('location'), '/');
    }
  });

  it('follows a deep link with a non-Latin-1 query, percent-encoded (no 500)', async () => {
    const agent = new UserAgent(t.url);
    const page = await agent.get(`/login?return_to=${encodeURIComponent('/console?q=日本')}`);
    expect(page.status).toBe(200);
    const form = parseForm(await page.text());
    expect(form.fields.return_to).toBe('/console?q=%E6%97%A5%E6%9C%AC');
    const res = await agent.postForm('/login', { ...form.fields, return_to: '/console?q=日本', ...login });
    expect(res.status).toBe(302);
    expectOwnOrigin(res.headers.get('location'), '/console?q=%E6%97%A5%E6%9C%AC');
  });

  it('follows an on-origin path with its query', async () => {
    const agent = new UserAgent(t.url);
    const form = parseForm(await (await agent.get('/login')).text());
    const res = await agent.postForm('/login', { ...form.fields, return_to: '/oauth/authorize?client_id=x&state=%2F%2Fy', ...login });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/oauth/authorize?client_id=x&state=%2F%2Fy');
  });

  it('GET /signup with each hostile return_to falls back to /console', async () => {
    for (const [what, value] of [...hostile(), ['non-Latin-1', '/日本'] as [string, string]]) {
      const res = await new UserAgent(t.url).get(`/signup?return_to=${encodeURIComponent(value)}`);
      expect({ what, status: res.status }).toEqual({ what, status: 200 });
      const expected = what === 'non-Latin-1' ? '/%E6%97%A5%E6%9C%AC' : '/console';
      expect(parseForm(await res.text()).fields.return_to).toBe(expected);
    }
  });

  it('POST /signup with a hostile return_to creates the account and redirects to /console', async () => {
    let n = 0;
    for (const [what, value] of hostile().slice(0, 6)) {
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/signup')).text());
      const res = await agent.postForm('/signup', { ...form.fields, return_to: value, username: `rt${process.pid}x${n++}`, password: 'a good long password' });
      expect({ what, status: res.status }).toEqual({ what, status: 303 });
      expectOwnOrigin(res.headers.get('location'), '/console');
    }
  });

  it('never answers a 5xx for odd return_to shapes', async () => {
    const agent = new UserAgent(t.url);
    for (const query of ['return_to=a&return_to=b', 'return_to[]=x', 'return_to=%FF%FE', 'return_to=' + '%2F'.repeat(3000), 'return_to=%E6%97']) {
      const res = await agent.get(`/login?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
    }
  });
});
