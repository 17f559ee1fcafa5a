import { ADMIN_KEY, DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';

const ROUTES: Array<[string, string]> = [
  ['POST', '/admin/users'],
  ['GET', '/admin/users'],
  ['GET', '/admin/users/1'],
  ['PATCH', '/admin/users/1'],
  ['DELETE', '/admin/users/1'],
  ['POST', '/admin/clients'],
  ['GET', '/admin/clients'],
  ['GET', '/admin/clients/some-client'],
  ['PATCH', '/admin/clients/some-client'],
  ['DELETE', '/admin/clients/some-client'],
  ['POST', '/admin/clients/some-client/secret'],
  ['GET', '/admin/tokens'],
  ['DELETE', '/admin/tokens/1'],
];

describe.each(DATABASES)('admin API key (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
  });
  afterAll(() => t.close());

  const call = (method: string, path: string, authorization?: string) => {
    const withBody = method === 'POST' || method === 'PATCH';
    return fetch(`${t.url}${path}`, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(withBody ? { 'content-type': 'application/json' } : {}) },
      body: withBody ? JSON.stringify({ username: 'mallory', password: 'password123', client_name: 'x' }) : undefined,
    });
  };

  it.each(ROUTES)('%s %s answers 401 without a key', async (method, path) => {
    const res = await call(method, path);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing admin API key: send Authorization: Bearer <ADMIN_API_KEY>',
    });
  });

  it.each(ROUTES)('%s %s answers 401 with a wrong key', async (method, path) => {
    const res = await call(method, path, `Bearer ${ADMIN_KEY}x`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin", error="invalid_token"');
    expect(await res.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'invalid admin API key' });
  });

  it.each([
    ['a prefix of the key', `Bearer ${ADMIN_KEY.slice(0, -1)}`],
    ['the key without a scheme', ADMIN_KEY],
    ['the key as Basic credentials', `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s', async (_case, authorization) => {
    expect((await call('GET', '/admin/users', authorization)).status).toBe(401);
  });

  it('refuses the key in the query string', async () => {
    expect((await fetch(`${t.url}/admin/users?access_token=${ADMIN_KEY}`)).status).toBe(401);
  });

  it('stores nothing for a refused request', async () => {
    await call('POST', '/admin/users', 'Bearer wrong');
    const list = await adminRequest(t, 'GET', '/admin/users');
    expect(list.body.data.map((u: { username: string }) => u.username)).not.toContain('mallory');
  });

  it('accepts the key, with the scheme in any case', async () => {
    expect((await call('GET', '/admin/users', `Bearer ${ADMIN_KEY}`)).status).toBe(200);
    expect((await call('GET', '/admin/users', `bearer ${ADMIN_KEY}`)).status).toBe(200);
  });
});
