/**
 * The pages' POSTs (sign-in, sign-out, consent, console, sign-up) take HTML forms only: any other
 * body is 415, and no field shape (arrays, objects, numbers, repeats) gets a 5xx.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { signIn } from '../support/oauth-flow';

describe.each(DATABASES)('page forms (%s)', (_name, db) => {
  let t: TestApp;
  let agent: UserAgent;
  let csrf: string;
  beforeAll(async () => {
    t = await startApp(db, { SIGNUP_ENABLED: 'true' });
    const { user, password } = await userFactory.create(t);
    agent = new UserAgent(t.url);
    await signIn(agent, { username: user.username, password });
    csrf = parseForm(await (await agent.get('/console/clients/new')).text()).fields._csrf;
  });
  afterAll(() => t.close());

  const ODD_JSON = [
    ['arrays', { _csrf: ['x'], username: ['a', 'b'], password: ['p'] }],
    ['objects', { _csrf: { a: 1 }, username: { $ne: null }, password: { a: 'b' } }],
    ['numbers', { _csrf: 1, username: 42, password: 1e9 }],
    ['null', null],
  ] as const;

  it.each(['/login', '/logout', '/signup', '/console/clients', '/oauth/authorize'])('POST %s with a JSON body is 415 for every field shape', async (path) => {
    // A JSON body without the consent form's fields is an authorization request at /oauth/authorize (its own 400 page).
    for (const [what, body] of ODD_JSON.filter(([, b]) => path !== '/oauth/authorize' || b !== null)) {
      const res = await agent.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body === null ? null : { ...body, _csrf: csrf }) });
      expect({ what, status: res.status }).toEqual({ what, status: 415 });
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('application/x-www-form-urlencoded');
    }
  });

  it.each(['/login', '/signup', '/console/clients'])('POST %s with text/plain is a 4xx, never a 5xx', async (path) => {
    const res = await agent.request(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'username=a&password=b' });
    expect(res.status).toBe(415);
  });

  it('a form with repeated single-valued fields is a 4xx page on sign-in and sign-up', async () => {
    const fresh = new UserAgent(t.url);
    const login = parseForm(await (await fresh.get('/login')).text());
    const body = (fields: Array<[string, string]>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const res = await fresh.request('/login', body([['_csrf', login.fields._csrf], ['username', 'a'], ['username', 'b'], ['password', 'x']]));
    expect(res.status).toBe(400);
    const signup = parseForm(await (await fresh.get('/signup')).text());
    const created = await fresh.request('/signup', body([['_csrf', signup.fields._csrf], ['username', `rep${process.pid}`], ['username', 'b'], ['password', 'a good long password'], ['password', 'x']]));
    expect(created.status).toBeLessThan(500);
  });

  it('the form itself still works', async () => {
    const res = await agent.postForm('/console/clients', { _csrf: csrf, client_name: 'Forms', redirect_uris: 'https://forms.example.com/cb', grant_types: 'authorization_code', response_types: 'code', token_endpoint_auth_method: 'client_secret_basic', scope: 'profile' });
    expect(res.status).toBe(201);
  });
});
