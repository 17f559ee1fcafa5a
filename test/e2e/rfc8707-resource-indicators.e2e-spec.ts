import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cli } from '../../src/cli';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm, UserAgent } from '../support/http';
import { authorize, getProfile, obtainCode, obtainTokens, pkcePair, provision, tokenRequest } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';
import { decodeJwt } from '../support/oidc';

const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://other.example.com/api';

describe.each(DATABASES)('RFC 8707 resource indicators (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let profile: string;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
    profile = `${t.url}/api/profile`;
    expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: MCP, scopes: ['profile'] })).status).toBe(201);
    expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: OTHER, scopes: ['profile', 'email'] })).status).toBe(201);
  });
  afterAll(() => t.close());

  const introspect = async (p: { clientId: string; secret: string | null }, token: string) =>
    (await postForm(`${t.url}/oauth/introspect`, { token }, { authorization: basic(p.clientId, p.secret!) })).json() as Promise<Record<string, any>>;

  describe('admin API /admin/resources', () => {
    it('registers a resource server, lists it after the built-in one, and deletes it', async () => {
      const res = await adminRequest(t, 'POST', '/admin/resources', { identifier: 'http://127.0.0.1:7777/mcp', scopes: ['profile', 'profile'] });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(Number), identifier: 'http://127.0.0.1:7777/mcp', scopes: ['profile'], created_at: t.clock.now(), built_in: false });
      const list = await adminRequest(t, 'GET', '/admin/resources');
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(4);
      expect(list.body.data[0]).toEqual({ id: null, identifier: profile, scopes: ['profile', 'email'], created_at: null, built_in: true });
      expect(list.body.data.map((r: any) => r.identifier)).toEqual([profile, MCP, OTHER, 'http://127.0.0.1:7777/mcp']);
      expect((await adminRequest(t, 'GET', '/admin/resources?limit=2&offset=2')).body.data.map((r: any) => r.identifier)).toEqual([OTHER, 'http://127.0.0.1:7777/mcp']);
      expect((await adminRequest(t, 'DELETE', `/admin/resources/${res.body.id}`)).status).toBe(204);
      expect((await adminRequest(t, 'DELETE', `/admin/resources/${res.body.id}`)).status).toBe(404);
    });

    it('refuses a duplicate identifier with 409, the built-in one included', async () => {
      expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: MCP, scopes: [] })).status).toBe(409);
      expect((await adminRequest(t, 'POST', '/admin/resources', { identifier: profile, scopes: [] })).status).toBe(409);
    });

    it.each([
      ['a relative URI', { identifier: '/mcp', scopes: [] }, 'identifier'],
      ['a fragment', { identifier: 'https://mcp.example.com/mcp#x', scopes: [] }, 'identifier'],
      ['plain http off loopback', { identifier: 'http://mcp.example.com/mcp', scopes: [] }, 'identifier'],
      ['an unknown scope', { identifier: 'https://x.example.com', scopes: ['tools'] }, 'scopes'],
      ['no scopes field', { identifier: 'https://x.example.com' }, 'scopes'],
    ])('refuses %s with a 400 naming the field', async (_what, body, field) => {
      const res = await adminRequest(t, 'POST', '/admin/resources', body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    });
  });

  describe('authorization code', () => {
    it('gives a token for one resource that resource as aud, and /api/profile refuses it', async () => {
      const p = await provision(t);
      const tokens = await obtainTokens(t, p, { resource: MCP });
      expect(await introspect(p, tokens.access_token)).toMatchObject({ active: true, aud: MCP });
      const res = await getProfile(t, tokens.access_token);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('accepts a token for the built-in resource at /api/profile', async () => {
      const p = await provision(t);
      const tokens = await obtainTokens(t, p, { resource: profile });
      expect(await introspect(p, tokens.access_token)).toMatchObject({ aud: profile });
      expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    });

    it('without resource keeps the default audience, good at /api/profile', async () => {
      const p = await provision(t);
      const tokens = await obtainTokens(t, p);
      expect(await introspect(p, tokens.access_token)).toMatchObject({ aud: t.url });
      expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    });

    it('narrows at the token endpoint to one of the authorized resources, and refuses widening with invalid_target', async () => {
      const p = await provision(t);
      const first = await obtainCode(t, p, { resource: [MCP, profile] });
      const narrowed = await tokenRequest(t, p, { grant_type: 'authorization_code', code: first.code, redirect_uri: p.redirectUri, code_verifier: first.verifier, resource: profile });
      expect(narrowed.status).toBe(200);
      expect(await introspect(p, narrowed.body.access_token)).toMatchObject({ aud: profile });
      expect((await getProfile(t, narrowed.body.access_token)).status).toBe(200);
      // The refresh token keeps the whole grant: a refresh may pick the other resource, or both.
      const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token, resource: MCP });
      expect(refreshed.status).toBe(200);
      expect(await introspect(p, refreshed.body.access_token)).toMatchObject({ aud: MCP });
      const whole = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token });
      expect(await introspect(p, whole.body.access_token)).toMatchObject({ aud: [MCP, profile] });
      const widened = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: whole.body.refresh_token, resource: OTHER });
      expect(widened.status).toBe(400);
      expect(widened.body.error).toBe('invalid_target');

      const second = await obtainCode(t, p, { resource: MCP });
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code: second.code, redirect_uri: p.redirectUri, code_verifier: second.verifier, resource: OTHER });
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.error).toBe('invalid_target');
    });

    it.each([
      ['an unknown resource', 'https://unknown.example.com/api'],
      ['a relative URI', '/api/profile'],
      ['a URI with a fragment', `${MCP}#frag`],
      ['an http URI off loopback', 'http://mcp.example.com/mcp'],
    ])('refuses %s at the authorization endpoint with invalid_target to the redirect URI', async (_what, resource) => {
      const p = await provision(t);
      const pkce = pkcePair();
      const callback = await authorize(
        new UserAgent(t.url),
        { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 's1', code_challenge: pkce.challenge, code_challenge_method: 'S256', resource },
        p,
      );
      expect(callback.searchParams.get('error')).toBe('invalid_target');
      expect(callback.searchParams.get('state')).toBe('s1');
    });

    it('refuses an unknown or relative resource at the token endpoint with invalid_target', async () => {
      const p = await provision(t);
      for (const resource of ['https://unknown.example.com/api', 'relative/path']) {
        const code = await obtainCode(t, p);
        const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code: code.code, redirect_uri: p.redirectUri, code_verifier: code.verifier, resource });
        expect([res.status, res.body.error]).toEqual([400, 'invalid_target']);
      }
    });
  });

  describe('client credentials', () => {
    it('gives the token the requested resource as aud, and refuses an unknown one', async () => {
      const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [] });
      const body = new URLSearchParams([['grant_type', 'client_credentials'], ['resource', MCP], ['resource', OTHER]]);
      const res = await fetch(`${t.url}/oauth/token`, { method: 'POST', headers: { authorization: basic(p.clientId, p.secret!), 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(200);
      const token = ((await res.json()) as { access_token: string }).access_token;
      expect(await introspect(p, token)).toMatchObject({ active: true, aud: [MCP, OTHER] });
      const bad = await tokenRequest(t, p, { grant_type: 'client_credentials', resource: 'https://unknown.example.com/' });
      expect([bad.status, bad.body.error]).toEqual([400, 'invalid_target']);
    });
  });

  describe('JWT access tokens', () => {
    it('carry the resource as aud; /api/profile refuses one for another resource and takes one for itself', async () => {
      const p = await provision(t, { access_token_format: 'jwt' });
      const forMcp = await obtainTokens(t, p, { resource: MCP });
      expect(decodeJwt(forMcp.access_token).aud).toBe(MCP);
      expect((await getProfile(t, forMcp.access_token)).status).toBe(401);
      const forProfile = await obtainTokens(t, p, { resource: profile });
      expect(decodeJwt(forProfile.access_token).aud).toBe(profile);
      expect((await getProfile(t, forProfile.access_token)).status).toBe(200);
      const both = await obtainTokens(t, p, { resource: [MCP, profile] });
      expect(decodeJwt(both.access_token).aud).toEqual([MCP, profile]);
      expect((await getProfile(t, both.access_token)).status).toBe(200);
    });
  });
});

describe('resource:create, resource:list, resource:delete (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-res-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI in this process on a SQLite file; answers its exit code, stdout JSON and stderr. */
  async function run(...args: string[]): Promise<{ code: number; json: any; stderr: string }> {
    const saved = { ...process.env };
    Object.assign(process.env, { NODE_ENV: 'test', DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, LOG_LEVEL: 'error', ADMIN_API_KEY: '', ISSUER: 'https://auth.example.com' });
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      const code = await cli(args);
      return { code, json: out.length ? JSON.parse(out.join('')) : null, stderr: err.join('') };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.env = saved;
    }
  }

  it('registers, lists and deletes a resource server, and refuses a bad identifier naming the option', async () => {
    const created = await run('resource:create', '--identifier', MCP, '--scope', 'profile email');
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ id: expect.any(Number), identifier: MCP, scopes: ['profile', 'email'], built_in: false });
    const listed = await run('resource:list');
    expect(listed.json.data.map((r: any) => r.identifier)).toEqual(['https://auth.example.com/api/profile', MCP]);
    const bad = await run('resource:create', '--identifier', 'relative/uri');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--identifier (identifier)');
    expect((await run('resource:create', '--identifier', MCP)).stderr).toContain('exists');
    expect((await run('resource:delete', String(created.json.id))).json).toEqual({ id: created.json.id, deleted: true });
    expect((await run('resource:delete', String(created.json.id))).code).toBe(1);
  });
});
