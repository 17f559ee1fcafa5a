import { DATABASES, TestApp, startApp } from '../support/start-app';
import { getProfile, obtainTokens, provision } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';

describe.each(DATABASES)('RFC 9728 protected resource metadata (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let metadataUrl: string;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
    metadataUrl = `${t.url}/.well-known/oauth-protected-resource/api/profile`;
  });
  afterAll(() => t.close());

  it('describes /api/profile: resource, authorization server, scopes, header bearer tokens', async () => {
    const res = await fetch(metadataUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      resource: `${t.url}/api/profile`,
      authorization_servers: [t.url],
      scopes_supported: ['profile', 'email'],
      bearer_methods_supported: ['header'],
      resource_name: 'Gatehouse profile API',
    });
    // The authorization server it names publishes RFC 8414 metadata with that issuer.
    const as = (await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
    expect(as.issuer).toBe((body.authorization_servers as string[])[0]);
  });

  it('has no metadata for resources the server does not serve', async () => {
    expect((await fetch(`${t.url}/.well-known/oauth-protected-resource/api/other`)).status).toBe(404);
  });

  it.each([
    ['no token', undefined, /^Bearer realm="gatehouse", resource_metadata="(.+)"$/],
    ['an unknown token', 'Bearer unknown-token', /error="invalid_token".*resource_metadata="(.+)"$/],
    ['a malformed header', 'Basic abc', /error="invalid_token".*resource_metadata="(.+)"$/],
  ])('answers a 401 for %s with resource_metadata in WWW-Authenticate', async (_what, authorization, pattern) => {
    const res = await fetch(`${t.url}/api/profile`, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(pattern);
    expect(pattern.exec(challenge)![1]).toBe(metadataUrl);
  });

  it('answers a 401 for a token meant for another resource with resource_metadata too', async () => {
    expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: 'https://mcp.example.com/mcp', scopes: ['profile'] })).status).toBe(201);
    const p = await provision(t);
    const tokens = await obtainTokens(t, p, { resource: 'https://mcp.example.com/mcp' });
    const res = await getProfile(t, tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl}"`);
  });
});
