/**
 * OpenID Connect Core §6: request objects. The server supports neither `request` nor `request_uri`
 * by value or by reference (other than its own pushed requests, RFC 9126): it says so to the
 * verified redirect URI with the outer `state`, instead of running the request without them.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { discover, provisionThroughAdmin } from '../support/oauth-flow';

describe.each(DATABASES)('OpenID Connect Core §6 request objects (%s)', (_name, db) => {
  let t: TestApp;
  let authorizationEndpoint: string;

  beforeAll(async () => {
    t = await startApp(db);
    authorizationEndpoint = (await discover(t)).authorization_endpoint;
  });
  afterAll(() => t.close());

  const get = (params: Record<string, string>) => fetch(`${authorizationEndpoint}?${new URLSearchParams(params)}`, { redirect: 'manual' });

  function expectRedirectError(res: Response, redirectUri: string, error: string) {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({ error, error_description: expect.any(String), state: 'outer-state', iss: t.url });
  }

  it('advertises that neither request nor request_uri is supported', async () => {
    const metadata = await discover(t);
    expect(metadata.request_parameter_supported).toBe(false);
    expect(metadata.request_uri_parameter_supported).toBe(false);
  });

  it('answers request_not_supported, with the outer state, to the verified redirect URI', async () => {
    const p = await provisionThroughAdmin(t, { scope: 'openid profile' });
    const res = await get({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', state: 'outer-state', request: 'eyJhbGciOiJub25lIn0.eyJzdGF0ZSI6ImlubmVyIn0.' });
    expectRedirectError(res, p.redirectUri, 'request_not_supported');
  });

  it('answers request_uri_not_supported for a request_uri that is not a pushed request of this server', async () => {
    const p = await provisionThroughAdmin(t, { scope: 'openid profile' });
    const res = await get({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', state: 'outer-state', request_uri: 'https://rp.example.com/request.jwt' });
    expectRedirectError(res, p.redirectUri, 'request_uri_not_supported');
  });

  it('never redirects when the client is unknown, request object or not', async () => {
    const res = await get({ response_type: 'code', client_id: 'nobody', redirect_uri: 'https://evil.example.com/cb', state: 'outer-state', request: 'x.y.z' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('accepts the same request without the request object (the refusal is about the parameter)', async () => {
    const p = await provisionThroughAdmin(t, { scope: 'openid profile' });
    const res = await get({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', state: 'outer-state', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login\?/);
  });
});
