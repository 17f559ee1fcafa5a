/**
 * What keeps open registration from being a cheap way to fill the database: a per-IP rate limit,
 * a cap on live self-registered clients (rfc7591-registration), removal of unused ones, a metric;
 * and registration on two instances sharing one database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '../../src/audit/audit.service';
import { ClientsService } from '../../src/clients/clients.service';
import { JanitorService } from '../../src/janitor/janitor.service';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { UserAgent, requestFrom } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { obtainTokens, pkcePair } from '../support/oauth-flow';
import { mcpClientMetadata, registrationRequest } from '../support/registration';

describe.each(DATABASES)('registration abuse limits (%s)', (_name, databaseUrl) => {
  describe('per-IP rate limit', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'open', THROTTLE_ENABLED: 'true', REGISTRATION_RATE_LIMIT: '3', REGISTRATION_RATE_WINDOW: '600' });
    });
    afterAll(() => t.close());

    it('answers 429 with Retry-After past the limit, counts refused attempts too, and lets other addresses and later attempts through', async () => {
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).status).toBe(201);
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata({ grant_types: ['password'] }))).status).toBe(400);
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).status).toBe(201);
      const limited = await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('600');
      expect(limited.body).toEqual({ error: 'temporarily_unavailable', error_description: 'too many registrations from this address; retry after 600 seconds' });

      const other = await requestFrom('127.0.0.2', `${t.url}/oauth/register`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json' }), body: JSON.stringify(mcpClientMetadata()) });
      expect(other.status).toBe(201);

      t.clock.advance(300);
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).headers.get('retry-after')).toBe('300');
      t.clock.advance(300);
      expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).status).toBe(201);

      await t.app.get(AuditService).flush();
      const refused = (await adminRequest(t, 'GET', '/admin/events?type=client.registration_refused')).body.data;
      expect(refused.filter((e: any) => e.detail.reason === 'rate_limited')).toHaveLength(2);
    });
  });

  describe('with THROTTLE_ENABLED=false', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'open', THROTTLE_ENABLED: 'false', REGISTRATION_RATE_LIMIT: '1' });
    });
    afterAll(() => t.close());

    it('does not limit registrations', async () => {
      for (let i = 0; i < 3; i++) expect((await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).status).toBe(201);
    });
  });

  describe('idle clients and the metric', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(databaseUrl, { REGISTRATION: 'open', REGISTRATION_IDLE_DAYS: '2' });
    });
    afterAll(() => t.close());

    const metric = async () => Number(/^gatehouse_self_registered_clients (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())![1]);

    it('removes self-registered clients with no token for REGISTRATION_IDLE_DAYS, and only those', async () => {
      const used = (await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).body;
      const unused = (await registrationRequest(t, 'POST', '/oauth/register', mcpClientMetadata())).body;
      const operator = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'Operator', redirect_uris: ['https://op.example/cb'] });
      expect(await metric()).toBe(2);

      t.clock.advance(2 * 86_400 + 1);
      const { user, password } = await userFactory.create(t);
      await obtainTokens(t, { clientId: used.client_id, secret: null, username: user.username, password, userId: user.id, redirectUri: 'http://127.0.0.1:33418/callback', authMethod: 'none' } as never);
      // Cached before the purge: the removal must reach the cache too.
      expect(await t.app.get(ClientsService).findByClientId(unused.client_id)).not.toBeNull();

      const report = await t.app.get(JanitorService).purge();
      expect(report.deleted.idle_self_registered_clients).toBe(1);
      expect(await t.app.get(ClientsService).findByClientId(unused.client_id)).toBeNull();
      expect(await t.app.get(ClientsService).findByClientId(used.client_id)).not.toBeNull();
      expect((await adminRequest(t, 'GET', `/admin/clients/${operator.body.client_id}`)).status).toBe(200);
      expect((await registrationRequest(t, 'GET', unused.registration_client_uri, undefined, unused.registration_access_token)).status).toBe(401);
      expect(await metric()).toBe(1);
    });
  });
});

/** Two instances on one database: MySQL when configured, else one SQLite file. */
const SHARED: Array<[string, () => { url: string; cleanup(): void }]> = [
  ['sqlite file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-reg-'));
    return { url: `sqlite:${join(dir, 'db.sqlite')}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ...(process.env.TEST_MYSQL_URL ? [['mysql', () => ({ url: process.env.TEST_MYSQL_URL!, cleanup: () => undefined })] as [string, () => { url: string; cleanup(): void }]] : []),
];

describe.each(SHARED)('registration on two instances (%s)', (_name, database) => {
  let db: { url: string; cleanup(): void };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    db = database();
    // With Redis the client caches hear of every change; without it, they must be off to be exact.
    const env: Record<string, string> = process.env.TEST_REDIS_URL
      ? { REGISTRATION: 'open', REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `gh-reg-${process.pid}-${Date.now()}:`, CLIENT_CACHE_TTL: '3600' }
      : { REGISTRATION: 'open', CLIENT_CACHE_TTL: '0' };
    a = await startApp(db.url, env);
    b = await startAnotherInstance(a, env);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    db.cleanup();
  });

  const authorizeOn = (t: TestApp, clientId: string, redirectUri: string) => {
    const pkce = pkcePair();
    return new UserAgent(t.url).get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`);
  };

  it('a client registered on one is usable, updatable and deletable on the other at once', async () => {
    const reg = (await registrationRequest(a, 'POST', '/oauth/register', mcpClientMetadata())).body;
    const path = new URL(reg.registration_client_uri).pathname;

    // Usable on b: a whole code flow.
    const { user, password } = await userFactory.create(b);
    const tokens = await obtainTokens(b, { clientId: reg.client_id, secret: null, username: user.username, password, userId: user.id, redirectUri: 'http://127.0.0.1:33418/callback', authMethod: 'none' } as never);
    expect(tokens.access_token).toEqual(expect.any(String));
    expect((await registrationRequest(b, 'GET', path, undefined, reg.registration_access_token)).body.client_id).toBe(reg.client_id);

    // Updated on b, seen on a (which has the client cached) at once.
    expect((await authorizeOn(a, reg.client_id, 'http://127.0.0.1:33418/callback')).status).toBe(302);
    const put = await registrationRequest(b, 'PUT', path, { ...mcpClientMetadata({ redirect_uris: ['http://127.0.0.1:5002/cb'] }), client_id: reg.client_id }, reg.registration_access_token);
    expect(put.status).toBe(200);
    expect((await authorizeOn(a, reg.client_id, 'http://127.0.0.1:33418/callback')).status).toBe(400);
    expect((await authorizeOn(a, reg.client_id, 'http://127.0.0.1:5002/cb')).status).toBe(302);

    // Deleted on a, gone on b at once.
    expect((await authorizeOn(b, reg.client_id, 'http://127.0.0.1:5002/cb')).status).toBe(302);
    expect((await registrationRequest(a, 'DELETE', path, undefined, reg.registration_access_token)).status).toBe(204);
    expect((await authorizeOn(b, reg.client_id, 'http://127.0.0.1:5002/cb')).status).toBe(400);
    expect((await registrationRequest(b, 'GET', path, undefined, reg.registration_access_token)).status).toBe(401);
  });
});
