import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '../../src/audit/audit.service';
import { ClientsService } from '../../src/clients/clients.service';
import { main as cli } from '../../src/cli';
import { DATABASES, TEST_COOKIE_SECRET, TestApp, startApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { discover, obtainCode, obtainTokens, getProfile, pkcePair } from '../support/oauth-flow';
import { UserAgent } from '../support/http';
import { mcpClientMetadata, registrationRequest } from '../support/registration';

async function events(t: TestApp, type: string): Promise<any[]> {
  await t.app.get(AuditService).flush();
  return (await adminRequest(t, 'GET', `/admin/events?type=${type}`)).body.data;
}

describe.each(DATABASES)('RFC 7591 dynamic registration (%s)', (_name, databaseUrl) => {
  describe('REGISTRATION=closed (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl);
    });
    afterAll(() => t.close());

    it('names no registration_endpoint and answers POST /oauth/register with 404', async () => {
      expect(await discover(t)).not.toHaveProperty('registration_endpoint');
      const res = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata());
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('invalid_request');
      expect((await adminRequest(t, 'GET', '/admin/clients')).body.total).toBe(0);
    });
  });

  describe('REGISTRATION=open', () => {
    let t: TestApp;
    let endpoint: string;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'open', REGISTRATION_SCOPES: 'openid profile' });
      endpoint = (await discover(t)).registration_endpoint;
    });
    afterAll(() => t.close());
    const register = (body: unknown) => registrationRequest(t, 'POST', endpoint, body);

    it('is found through the metadata', () => {
      expect(endpoint).toBe(`${t.url}/oauth/register`);
    });

    it('registers a public client: 201 with client_id, registration_access_token and registration_client_uri, no secret', async () => {
      const res = await register(mcpClientMetadata({ client_uri: 'https://agent.example', software_id: 'agent-cli', software_version: '1.2.3', scope: 'profile' }));
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        client_id: expect.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/),
        client_id_issued_at: t.clock.now(),
        registration_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        registration_client_uri: `${t.url}/oauth/register/${res.body.client_id}`,
        client_name: 'Agent',
        client_uri: 'https://agent.example',
        scope: 'profile',
        redirect_uris: ['http://127.0.0.1:33418/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        allowed_cors_origins: [],
        post_logout_redirect_uris: [],
        access_token_format: 'opaque',
        id_token_signed_response_alg: 'RS256',
        software_id: 'agent-cli',
        software_version: '1.2.3',
      });
      const stored = await t.app.get(ClientsService).findByClientId(res.body.client_id);
      expect(stored).toMatchObject({ vetted: false, userId: null });
      expect(stored!.metadata.skip_consent).toBe(false);
    });

    it('issues a secret (and client_secret_expires_at) to a client_secret_basic client, and the secret works', async () => {
      const res = await register(mcpClientMetadata({ token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://agent.example/cb'] }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), client_secret_expires_at: 0 });
      const { user, password } = await userFactory.create(t);
      const tokens = await obtainTokens(t, { clientId: res.body.client_id, secret: res.body.client_secret, username: user.username, password, userId: user.id, redirectUri: 'https://agent.example/cb' });
      expect((await getProfile(t, tokens.access_token)).body).toEqual({ id: user.id, username: user.username });
    });

    it('asks for consent every time for a confidential self-registered client (no remembered consent)', async () => {
      const res = await register(mcpClientMetadata({ token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['https://agent.example/cb2'] }));
      const { user, password } = await userFactory.create(t);
      const p = { clientId: res.body.client_id, secret: res.body.client_secret, username: user.username, password, userId: user.id, redirectUri: 'https://agent.example/cb2' };
      const agent = new UserAgent(t.url);
      await obtainCode(t, p, {}, agent);
      const again = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
      expect(again.status).toBe(200);
      const page = await again.text();
      expect(page).toContain('name="decision"');
      // Unvetted: the page warns that the name is the app's own claim and names where it will send the user.
      expect(page).toContain('has not reviewed this app');
      expect(page).toContain('<strong>agent.example</strong>');
    });

    it('gives a client that asks for no scope every scope of REGISTRATION_SCOPES, and ignores unknown metadata', async () => {
      const res = await register({ ...mcpClientMetadata(), 'client_name#ja': 'エージェント', frobnicate: true, jwks_uri_unknown: 'x' });
      expect(res.status).toBe(201);
      expect(res.body.scope).toBe('openid profile');
      expect(res.body).not.toHaveProperty('frobnicate');
      expect(res.body).not.toHaveProperty('client_name#ja');
    });

    it('lets a registered public client run code + PKCE at once', async () => {
      const res = await register(mcpClientMetadata());
      const { user, password } = await userFactory.create(t);
      const tokens = await obtainTokens(t, { clientId: res.body.client_id, secret: null, username: user.username, password, userId: user.id, redirectUri: 'http://127.0.0.1:33418/callback', authMethod: 'none' } as never);
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    it.each([
      ['client_credentials', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata', 'grant_types'],
      ['the password grant', { grant_types: ['authorization_code', 'password'] }, 'invalid_client_metadata', 'grant_types'],
      ['implicit', { grant_types: ['implicit'], response_types: ['token'] }, 'invalid_client_metadata', 'grant_types'],
      ['a scope outside REGISTRATION_SCOPES', { scope: 'profile email' }, 'invalid_client_metadata', 'scope'],
      ['an unknown scope', { scope: 'admin' }, 'invalid_client_metadata', 'scope'],
      ['skip_consent', { skip_consent: true }, 'invalid_client_metadata', 'skip_consent'],
      ['introspection', { introspection: true }, 'invalid_client_metadata', 'introspection'],
      ['an unknown auth method', { token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata', 'token_endpoint_auth_method'],
      ['a malformed client_uri', { client_uri: 'javascript:alert(1)' }, 'invalid_client_metadata', 'client_uri'],
      ['an http redirect URI off loopback', { redirect_uris: ['http://agent.example/cb'] }, 'invalid_redirect_uri', 'redirect_uris'],
      ['a redirect URI with a fragment', { redirect_uris: ['https://agent.example/cb#x'] }, 'invalid_redirect_uri', 'redirect_uris'],
      ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri', 'redirect_uris'],
      ['no redirect URI', { redirect_uris: [] }, 'invalid_redirect_uri', 'redirect_uris'],
      ['redirect_uris that is not an array', { redirect_uris: 'https://agent.example/cb' }, 'invalid_redirect_uri', 'redirect_uris'],
    ])('refuses %s with %s', async (_what, overrides, error, field) => {
      const before = (await adminRequest(t, 'GET', '/admin/clients')).body.total;
      const res = await register(mcpClientMetadata(overrides));
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({ error, error_description: expect.stringContaining(field) });
      expect((await adminRequest(t, 'GET', '/admin/clients')).body.total).toBe(before);
    });

    it.each([
      ['an array', []],
      ['a string', 'client_name'],
    ])('refuses a body that is %s with invalid_client_metadata', async (_what, body) => {
      const res = await register(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
    });

    it('records client.registered and client.registration_refused', async () => {
      const ok = await register(mcpClientMetadata({ client_name: 'Audited' }));
      await register(mcpClientMetadata({ grant_types: ['client_credentials'] }));
      const registered = await events(t, 'client.registered');
      expect(registered.map((e) => e.client_id)).toContain(ok.body.client_id);
      expect(registered[0]).toMatchObject({ ip: '127.0.0.1', user_id: null });
      const refused = await events(t, 'client.registration_refused');
      expect(refused[0]).toMatchObject({ ip: '127.0.0.1', detail: { reason: 'invalid_metadata', error: 'invalid_client_metadata' } });
    });
  });

  describe('REGISTRATION=token', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'token' });
    });
    afterAll(() => t.close());
    const register = (token?: string) => registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata(), token);

    it('refuses a registration without an initial access token with 401 invalid_token', async () => {
      const res = await register();
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it('refuses an unknown initial access token with 401 invalid_token', async () => {
      const res = await register('not-a-token-that-was-ever-issued');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect((await events(t, 'client.registration_refused')).some((e) => e.detail.reason === 'bad_initial_access_token')).toBe(true);
    });

    it('registers with a token from POST /admin/registration-tokens, as many times as it allows', async () => {
      const created = await adminRequest(t, 'POST', '/admin/registration-tokens', { description: 'partner', uses: 2, expires_in: 600 });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        initial_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        id: expect.any(Number),
        description: 'partner',
        created_at: t.clock.now(),
        expires_at: t.clock.now() + 600,
        uses_left: 2,
      });
      const token = created.body.initial_access_token;
      expect((await register(token)).status).toBe(201);
      expect((await register(token)).status).toBe(201);
      expect((await register(token)).status).toBe(401);
      const listed = await adminRequest(t, 'GET', '/admin/registration-tokens');
      expect(listed.body.data.find((r: any) => r.id === created.body.id)).toEqual({ ...created.body, initial_access_token: undefined, uses_left: 0 });
      expect(JSON.stringify(listed.body)).not.toContain(token);
    });

    it('does not spend a use on a registration refused for its metadata', async () => {
      const token = (await adminRequest(t, 'POST', '/admin/registration-tokens', {})).body.initial_access_token;
      const bad = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata({ grant_types: ['client_credentials'] }), token);
      expect(bad.status).toBe(400);
      expect((await register(token)).status).toBe(201);
    });

    it('refuses an expired or withdrawn token', async () => {
      const expiring = (await adminRequest(t, 'POST', '/admin/registration-tokens', { expires_in: 60 })).body.initial_access_token;
      const withdrawn = (await adminRequest(t, 'POST', '/admin/registration-tokens', {})).body;
      t.clock.advance(61);
      expect((await register(expiring)).status).toBe(401);
      expect((await adminRequest(t, 'DELETE', `/admin/registration-tokens/${withdrawn.id}`)).status).toBe(204);
      expect((await adminRequest(t, 'DELETE', `/admin/registration-tokens/${withdrawn.id}`)).status).toBe(404);
      expect((await register(withdrawn.initial_access_token)).status).toBe(401);
    });

    it('validates the admin body and names the bad field', async () => {
      const res = await adminRequest(t, 'POST', '/admin/registration-tokens', { uses: 0, extra: 1 });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('uses');
    });
  });

  describe('REGISTRATION_MAX_CLIENTS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'open', REGISTRATION_MAX_CLIENTS: '1' });
    });
    afterAll(() => t.close());

    it('refuses registrations past the cap with 503, and the operator\'s clients do not count', async () => {
      expect((await adminRequest(t, 'POST', '/admin/clients', { client_name: 'Operator', redirect_uris: ['https://op.example/cb'] })).status).toBe(201);
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).status).toBe(201);
      const res = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata());
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('temporarily_unavailable');
    });
  });
});

describe('registration-token:create (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-reg-'));
  const file = join(dir, 'reg.sqlite');
  let t: TestApp;
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a token once that registers a client', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { NODE_ENV: 'test', DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'error', ADMIN_API_KEY: '', COOKIE_SECRET: TEST_COOKIE_SECRET, KEY_ENCRYPTION_SECRET: TEST_COOKIE_SECRET });
    const out: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await cli(['registration-token:create', '--description', 'ci', '--uses', '1']);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.env = saved;
    }
    expect(code).toBe(0);
    const printed = JSON.parse(out.join(''));
    expect(printed).toMatchObject({ description: 'ci', uses_left: 1, initial_access_token: expect.any(String) });
    t = await startApp(`sqlite:${file}`, { REGISTRATION: 'token' });
    const res = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata(), printed.initial_access_token);
    expect(res.status).toBe(201);
  });
});
