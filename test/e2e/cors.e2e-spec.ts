/**
 * CORS for browser-based apps (as node-oidc-provider and Ory Hydra answer it): the token and
 * revocation endpoints answer pages of a client's `allowed_cors_origins` (by default, for a public
 * client, the origins of its redirect URIs), the metadata answers any origin, and the pages,
 * /oauth/authorize, introspection and /admin never send CORS headers.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';

const SPA = 'http://127.0.0.1:5555';
const OTHER = 'https://other.example.com';

/** The CORS headers of an answer (and Vary), by name. */
function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
}

function accessControlHeaders(res: Response): string[] {
  return [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
}

describe.each(DATABASES)('CORS (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  const preflight = (path: string, origin: string, method = 'POST') =>
    fetch(`${t.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

  const post = (path: string, origin: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

  /** A public single-page app on `origin` (redirect URI there, no explicit CORS origins). */
  async function spaClient(origin = SPA, overrides: Parameters<typeof clientFactory.create>[1] = {}) {
    const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none', redirect_uris: [`${origin}/callback`], ...overrides });
    return client;
  }

  const PREFLIGHT_OK = (origin: string, methods = 'POST') => ({
    'access-control-allow-origin': origin,
    'access-control-allow-methods': methods,
    'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
    'access-control-expose-headers': 'WWW-Authenticate',
    'access-control-max-age': '600',
    vary: 'Origin',
  });

  describe('token and revocation endpoints', () => {
    it("answers a preflight from a public client's redirect URI origin with 204 and the allowed method and headers", async () => {
      await spaClient('http://127.0.0.1:5601');
      for (const path of ['/oauth/token', '/oauth/revoke']) {
        const res = await preflight(path, 'http://127.0.0.1:5601');
        expect({ path, status: res.status, headers: corsHeaders(res) }).toEqual({ path, status: 204, headers: PREFLIGHT_OK('http://127.0.0.1:5601') });
      }
    });

    it('refuses a preflight from an origin no client allows (no CORS headers)', async () => {
      await spaClient('http://127.0.0.1:5602');
      for (const origin of ['http://127.0.0.1:5603', 'https://127.0.0.1:5602', 'http://127.0.0.1:56021', OTHER]) {
        const res = await preflight('/oauth/token', origin);
        expect({ origin, status: res.status, cors: accessControlHeaders(res) }).toEqual({ origin, status: 404, cors: [] });
      }
    });

    it("adds Access-Control-Allow-Origin and Vary to the actual request from the client's origin, success and error alike", async () => {
      const client = await spaClient('http://127.0.0.1:5604');
      const res = await post('/oauth/token', 'http://127.0.0.1:5604', { grant_type: 'refresh_token', refresh_token: 'unknown', client_id: client.client_id });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'refresh token is invalid' });
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': 'http://127.0.0.1:5604', 'access-control-expose-headers': 'WWW-Authenticate', vary: 'Origin' });

      const revoked = await post('/oauth/revoke', 'http://127.0.0.1:5604', { token: 'unknown', client_id: client.client_id });
      expect(revoked.status).toBe(200);
      expect(revoked.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5604');
    });

    it("never lets one client's origin read another client's answers", async () => {
      const a = await spaClient('http://127.0.0.1:5605');
      await spaClient('http://127.0.0.1:5606');
      // The origin of b's pages, calling as a: the preflight passes (some client allows it), the answer is not readable.
      expect((await preflight('/oauth/token', 'http://127.0.0.1:5606')).status).toBe(204);
      const res = await post('/oauth/token', 'http://127.0.0.1:5606', { grant_type: 'refresh_token', refresh_token: 'x', client_id: a.client_id });
      expect(res.status).toBe(400);
      expect(accessControlHeaders(res)).toEqual([]);
      expect(res.headers.get('vary')).toBe('Origin');
    });

    it('gives a confidential client no origin by default, and the origins it registers', async () => {
      const { client, secret } = await clientFactory.create(t, { redirect_uris: ['https://conf.example.com/cb'] });
      const auth = { authorization: basic(client.client_id, secret!) };
      expect((await preflight('/oauth/token', 'https://conf.example.com')).status).toBe(404);
      expect(accessControlHeaders(await post('/oauth/token', 'https://conf.example.com', { grant_type: 'client_credentials' }, auth))).toEqual([]);

      const patched = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { allowed_cors_origins: ['https://bff.example.com'] });
      expect(patched.status).toBe(200);
      expect((await preflight('/oauth/token', 'https://bff.example.com')).status).toBe(204);
      const res = await post('/oauth/token', 'https://bff.example.com', { grant_type: 'refresh_token', refresh_token: 'x' }, auth);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://bff.example.com');
    });

    it("replaces a public client's default with its explicit allowed_cors_origins", async () => {
      const client = await spaClient('http://127.0.0.1:5607', { allowed_cors_origins: ['https://spa.example.com'] });
      expect((await preflight('/oauth/token', 'https://spa.example.com')).status).toBe(204);
      expect((await preflight('/oauth/token', 'http://127.0.0.1:5607')).status).toBe(404);
      const fields = { grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id };
      expect((await post('/oauth/token', 'https://spa.example.com', fields)).headers.get('access-control-allow-origin')).toBe('https://spa.example.com');
      expect(accessControlHeaders(await post('/oauth/token', 'http://127.0.0.1:5607', fields))).toEqual([]);
    });

    it('forgets the origin once the client is deleted', async () => {
      const client = await spaClient('http://127.0.0.1:5608');
      expect((await preflight('/oauth/token', 'http://127.0.0.1:5608')).status).toBe(204);
      expect((await adminRequest(t, 'DELETE', `/admin/clients/${client.client_id}`)).status).toBe(204);
      expect((await preflight('/oauth/token', 'http://127.0.0.1:5608')).status).toBe(404);
    });

    it('sends no CORS headers to a request without Origin', async () => {
      const client = await spaClient('http://127.0.0.1:5609');
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: client.client_id }).toString(),
      });
      expect(res.status).toBe(400);
      expect(accessControlHeaders(res)).toEqual([]);
    });
  });

  describe('metadata', () => {
    it('answers any origin, preflight and GET', async () => {
      const path = '/.well-known/oauth-authorization-server';
      const pre = await preflight(path, OTHER, 'GET');
      expect(pre.status).toBe(204);
      expect(corsHeaders(pre)).toEqual(PREFLIGHT_OK(OTHER, 'GET, HEAD'));
      const res = await fetch(`${t.url}${path}`, { headers: { origin: OTHER } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': OTHER, 'access-control-expose-headers': 'WWW-Authenticate', vary: 'Origin' });
      expect(((await res.json()) as { issuer: string }).issuer).toBe(t.url);
    });
  });

  describe('never on pages, the authorization endpoint, introspection or the admin API', () => {
    it('sends no CORS header to any of them, even from an allowed origin, and answers their preflights 404', async () => {
      const client = await spaClient('http://127.0.0.1:5610');
      const origin = 'http://127.0.0.1:5610';
      const requests: Array<[string, RequestInit]> = [
        [`/oauth/authorize?response_type=code&client_id=${client.client_id}`, {}],
        ['/oauth/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `response_type=code&client_id=${client.client_id}` }],
        ['/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=x&client_id=${client.client_id}` }],
        ['/login', {}],
        ['/console', {}],
        ['/admin/clients', { headers: { authorization: 'Bearer test-admin-key-0123456789abcdef' } }],
        ['/health', {}],
        ['/api/profile', {}],
      ];
      for (const [path, init] of requests) {
        const res = await fetch(`${t.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), origin }, redirect: 'manual' });
        expect({ path, status: res.status < 500, headers: corsHeaders(res) }).toEqual({ path, status: true, headers: {} });
        const pre = await preflight(path.split('?')[0], origin, init.method ?? 'GET');
        expect({ path, status: pre.status, cors: accessControlHeaders(pre) }).toEqual({ path, status: 404, cors: [] });
      }
    });
  });

  describe('allowed_cors_origins in the admin API', () => {
    it('is stored, listed and validated like redirect URIs', async () => {
      const created = await adminRequest(t, 'POST', '/admin/clients', clientFactory.build({ allowed_cors_origins: ['https://app.example.com', 'http://localhost:3000'] }));
      expect(created.status).toBe(201);
      expect(created.body.allowed_cors_origins).toEqual(['https://app.example.com', 'http://localhost:3000']);
      const listed = await adminRequest(t, 'GET', '/admin/clients?limit=200');
      expect(listed.body.data.find((c: { client_id: string }) => c.client_id === created.body.client_id).allowed_cors_origins).toEqual([
        'https://app.example.com',
        'http://localhost:3000',
      ]);
      expect((await adminRequest(t, 'GET', `/admin/clients/${created.body.client_id}`)).body.allowed_cors_origins).toEqual(['https://app.example.com', 'http://localhost:3000']);

      for (const [origins, reason] of [
        [['https://app.example.com/path'], '"https://app.example.com/path" must be an origin as browsers send it: scheme://host[:port] in lower case, with no path, query or fragment'],
        [['http://app.example.com'], '"http://app.example.com" must use https (http only on a loopback host)'],
        [['*'], '"*" must be an origin such as https://app.example.com'],
      ] as Array<[string[], string]>) {
        const res = await adminRequest(t, 'PATCH', `/admin/clients/${created.body.client_id}`, { allowed_cors_origins: origins });
        expect(res.status).toBe(400);
        expect(res.body.fields).toEqual({ allowed_cors_origins: reason });
      }
      const shape = await adminRequest(t, 'PATCH', `/admin/clients/${created.body.client_id}`, { allowed_cors_origins: 'https://app.example.com' });
      expect(shape.status).toBe(400);
      expect(Object.keys(shape.body.fields)).toEqual(['allowed_cors_origins']);

      const cleared = await adminRequest(t, 'PATCH', `/admin/clients/${created.body.client_id}`, { allowed_cors_origins: [] });
      expect(cleared.body.allowed_cors_origins).toEqual([]);
    });
  });
});
