/**
 * RFC 8628 Device Authorization Grant, black-box: the device authorization endpoint (§3.1, §3.2),
 * the /device verification page (§3.3), polling (§3.4, §3.5: authorization_pending, slow_down,
 * access_denied, expired_token) and single use; a user deleted or locked out after approving gets
 * no tokens; a code approved on one instance is redeemed on another.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm, readJson } from '../support/http';
import { AdminProvisioned, discover, getProfile, provisionThroughAdmin } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';
import type { DeviceAuthorizationResponse as DeviceAuthorization } from '../../src/grants/device-code.grant';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** A device client: public (client_id only) unless `secret` is given. */
function auth(p: AdminProvisioned): { fields: Record<string, string>; headers: Record<string, string> } {
  return p.secret ? { fields: {}, headers: { authorization: basic(p.clientId, p.secret) } } : { fields: { client_id: p.clientId }, headers: {} };
}

async function requestDevice(t: TestApp, p: AdminProvisioned, extra: Record<string, string> = {}): Promise<DeviceAuthorization> {
  const a = auth(p);
  const res = await readJson(await postForm(`${t.url}/oauth/device_authorization`, { ...a.fields, ...extra }, a.headers));
  if (res.status !== 200) throw new Error(`device_authorization: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as DeviceAuthorization;
}

async function poll(t: TestApp, p: AdminProvisioned, deviceCode: string) {
  const a = auth(p);
  return readJson(await postForm(`${t.url}/oauth/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, ...a.fields }, a.headers));
}

/** Walks /device as a person would: enter the code, sign in, answer the consent page. Answers the end page. */
async function approveOnPage(t: TestApp, userCode: string, login: { username: string; password: string }, decision: 'approve' | 'deny' = 'approve', agent = new UserAgent(t.url)) {
  let page = await agent.get('/device');
  expect(page.status).toBe(200);
  let form = parseForm(await page.text());
  expect(form.inputNames).toContain('user_code');
  let res = await agent.postForm(form.action, { ...form.fields, user_code: userCode });
  expect(res.status).toBe(303);
  res = await agent.get(res.headers.get('location')!);
  if (res.status === 302 && res.headers.get('location')!.startsWith('/login')) {
    form = parseForm(await (await agent.get(res.headers.get('location')!)).text());
    res = await agent.postForm(form.action, { ...form.fields, username: login.username, password: login.password });
    expect(res.status).toBe(302);
    res = await agent.get(res.headers.get('location')!);
  }
  expect(res.status).toBe(200);
  const consent = await res.text();
  form = parseForm(consent);
  expect(form.buttons.decision).toEqual(['deny', 'approve']);
  page = await agent.postForm(form.action, { ...form.fields, decision });
  return { consent, status: page.status, text: await page.text(), agent };
}

describe.each(DATABASES)('RFC 8628 device authorization grant (%s)', (_name, db) => {
  let t: TestApp;
  let deviceEndpoint: string;

  beforeAll(async () => {
    t = await startApp(db);
    const metadata = await discover(t);
    deviceEndpoint = metadata.device_authorization_endpoint as string;
  });
  afterAll(() => t.close());

  const deviceClient = (overrides: Record<string, unknown> = {}) =>
    provisionThroughAdmin(t, { grant_types: [DEVICE_GRANT, 'refresh_token'], redirect_uris: [], token_endpoint_auth_method: 'none', client_name: 'Living Room TV', ...overrides });

  describe('discovery and the device authorization endpoint (§3.1, §3.2, §4)', () => {
    it('advertises the endpoint and the grant type', async () => {
      const metadata = await discover(t);
      expect(metadata.device_authorization_endpoint).toBe(`${t.url}/oauth/device_authorization`);
      expect(metadata.grant_types_supported).toContain(DEVICE_GRANT);
    });

    it('answers a public client the codes, the verification URIs, expires_in 600 and interval 5, no-store', async () => {
      const p = await deviceClient();
      const res = await readJson(await postForm(deviceEndpoint, { client_id: p.clientId, scope: 'profile' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        device_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        user_code: expect.stringMatching(USER_CODE),
        verification_uri: `${t.url}/device`,
        verification_uri_complete: `${t.url}/device?user_code=${res.body.user_code}`,
        expires_in: 600,
        interval: 5,
      });
    });

    it('authenticates a confidential client as the token endpoint does (wrong secret: 401 invalid_client)', async () => {
      const p = await deviceClient({ token_endpoint_auth_method: 'client_secret_basic' });
      expect((await requestDevice(t, p)).user_code).toMatch(USER_CODE);
      const res = await readJson(await postForm(deviceEndpoint, {}, { authorization: basic(p.clientId, 'wrong') }));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      // A confidential client naming itself without its secret is no authentication at all.
      expect((await readJson(await postForm(deviceEndpoint, { client_id: p.clientId }))).status).toBe(401);
    });

    it('refuses a client not registered for the grant (unauthorized_client) and an unknown scope (invalid_scope)', async () => {
      const other = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'none' });
      const refused = await readJson(await postForm(deviceEndpoint, { client_id: other.clientId }));
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('unauthorized_client');
      const p = await deviceClient();
      const scope = await readJson(await postForm(deviceEndpoint, { client_id: p.clientId, scope: 'admin' }));
      expect(scope.status).toBe(400);
      expect(scope.body.error).toBe('invalid_scope');
    });

    it('lets the operator register a device client through the admin API (no redirect URI needed)', async () => {
      const { status, body } = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'CLI', grant_types: [DEVICE_GRANT], token_endpoint_auth_method: 'none' });
      expect(status).toBe(201);
      expect(body).toMatchObject({ grant_types: [DEVICE_GRANT], response_types: [], redirect_uris: [] });
    });
  });

  describe('polling (§3.4, §3.5) and the /device page (§3.3)', () => {
    it('pending, slow_down (and the interval grows by 5 s), then tokens once after the user approves on /device', async () => {
      const p = await deviceClient();
      const device = await requestDevice(t, p, { scope: 'profile email' });

      let res = await poll(t, p, device.device_code);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'authorization_pending', error_description: expect.any(String) });
      expect(res.headers.get('cache-control')).toBe('no-store');
      // Polled again at once: slow_down, and the interval is now 10 s.
      res = await poll(t, p, device.device_code);
      expect(res.body.error).toBe('slow_down');
      t.clock.advance(5);
      expect((await poll(t, p, device.device_code)).body.error).toBe('slow_down');
      t.clock.advance(15);
      expect((await poll(t, p, device.device_code)).body.error).toBe('authorization_pending');

      // Typed in lower case without the dash, as users do.
      const typed = device.user_code.replace('-', '').toLowerCase();
      const page = await approveOnPage(t, typed, p);
      expect(page.consent).toContain('Living Room TV');
      expect(page.consent).toContain('<code>email</code>');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Device connected');

      t.clock.advance(20);
      res = await poll(t, p, device.device_code);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String), scope: 'profile email' });
      const profile = await getProfile(t, res.body.access_token);
      expect(profile.body).toEqual({ id: p.userId, username: p.username, email: `${p.username}@example.com` });

      // A device code yields tokens once.
      t.clock.advance(20);
      res = await poll(t, p, device.device_code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('answers access_denied once the user denies', async () => {
      const p = await deviceClient();
      const device = await requestDevice(t, p);
      const page = await approveOnPage(t, device.user_code, p, 'deny');
      expect(page.text).toContain('You denied access');
      const res = await poll(t, p, device.device_code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('access_denied');
    });

    it('answers expired_token after expires_in, and the page no longer takes the code', async () => {
      const p = await deviceClient();
      const device = await requestDevice(t, p);
      t.clock.advance(601);
      const res = await poll(t, p, device.device_code);
      expect(res.body.error).toBe('expired_token');
      const agent = new UserAgent(t.url);
      const form = parseForm(await (await agent.get('/device')).text());
      const entered = await agent.postForm(form.action, { ...form.fields, user_code: device.user_code });
      expect(entered.status).toBe(400);
      expect(await entered.text()).toContain('not valid or has expired');
    });

    it('refuses a device code of another client, and an unknown one (invalid_grant)', async () => {
      const p = await deviceClient();
      const q = await deviceClient();
      const device = await requestDevice(t, p);
      expect((await poll(t, q, device.device_code)).body.error).toBe('invalid_grant');
      expect((await poll(t, p, 'not-a-device-code')).body.error).toBe('invalid_grant');
      expect((await readJson(await postForm(`${t.url}/oauth/token`, { grant_type: DEVICE_GRANT, client_id: p.clientId }))).body.error).toBe('invalid_request');
    });

    it('gives no tokens for a user deleted after approving', async () => {
      const p = await deviceClient();
      const device = await requestDevice(t, p);
      await approveOnPage(t, device.user_code, p);
      expect((await adminRequest(t, 'DELETE', `/admin/users/${p.userId}`)).status).toBe(204);
      const res = await poll(t, p, device.device_code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    it('an answered code cannot be answered again from another tab', async () => {
      const p = await deviceClient();
      const device = await requestDevice(t, p);
      const { agent } = await approveOnPage(t, device.user_code, p);
      // The same browser enters the code again: it is no longer pending.
      const form = parseForm(await (await agent.get('/device')).text());
      const again = await agent.postForm(form.action, { ...form.fields, user_code: device.user_code });
      expect(again.status).toBe(400);
    });

    it('protects the page: CSRF token required, never framed, no-store', async () => {
      const agent = new UserAgent(t.url);
      const page = await agent.get('/device?user_code=BCDF-GHJK');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(parseForm(await page.text()).fields.user_code).toBe('BCDF-GHJK');
      const forged = await agent.postForm('/device', { user_code: 'BCDF-GHJK' });
      expect(forged.status).toBe(403);
      // The consent step cannot be posted without a valid code entered first.
      const confirm = await agent.get('/device/confirm');
      expect(confirm.status).toBe(400);
    });
  });

  describe('two instances behind a load balancer', () => {
    it('a code approved on one instance is redeemed on the other', async () => {
      let dir: string | undefined;
      let first = t;
      if (db.startsWith('sqlite')) {
        dir = mkdtempSync(join(tmpdir(), 'gh-device-'));
        first = await startApp(`sqlite:${join(dir, 'db.sqlite')}`);
      }
      const second = await startAnotherInstance(first);
      try {
        const p = await provisionThroughAdmin(first, { grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
        const device = await requestDevice(first, p);
        await approveOnPage(second, device.user_code, p);
        const res = await poll(second, p, device.device_code);
        expect(res.status).toBe(200);
        expect(res.body.token_type).toBe('Bearer');
        expect((await poll(first, p, device.device_code)).body.error).toBe('invalid_grant');
      } finally {
        await second.close();
        if (dir) {
          await first.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  });
});

describe.each(DATABASES)('RFC 8628 §5.1 brute force and lockout on the device flow (%s)', (_name, db) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp(db, { THROTTLE_ENABLED: 'true', THROTTLE_IP_FAILURES: '3', THROTTLE_ACCOUNT_IP_FAILURES: '2', THROTTLE_ACCOUNT_FAILURES: '2' });
  });
  afterAll(() => t.close());

  it('throttles wrong user codes per IP: 429 with Retry-After, and a right code is then not even looked up', async () => {
    const p = await provisionThroughAdmin(t, { grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
    const device = await requestDevice(t, p);
    const agent = new UserAgent(t.url, '127.0.0.7');
    const statuses: number[] = [];
    for (const code of ['BBBB-BBBB', 'CCCC-CCCC', 'DDDD-DDDD', device.user_code]) {
      const form = parseForm(await (await agent.get('/device')).text());
      const res = await agent.postForm(form.action, { ...form.fields, user_code: code });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([400, 400, 429, 429]);
    // Another IP is not held back.
    const other = new UserAgent(t.url, '127.0.0.8');
    const form = parseForm(await (await other.get('/device')).text());
    expect((await other.postForm(form.action, { ...form.fields, user_code: device.user_code })).status).toBe(303);
  });

  it('gives no tokens to a user whose account is locked after approving', async () => {
    const p = await provisionThroughAdmin(t, { grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
    const device = await requestDevice(t, p);
    await approveOnPage(t, device.user_code, p, 'approve', new UserAgent(t.url, '127.0.0.9'));
    // Someone guesses the user's password until the account locks (from every IP).
    const thief = new UserAgent(t.url, '127.0.0.10');
    for (let i = 0; i < 2; i++) {
      const form = parseForm(await (await thief.get('/login')).text());
      await thief.postForm(form.action, { ...form.fields, username: p.username, password: 'wrong password' });
    }
    const res = await poll(t, p, device.device_code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('DEVICE_GRANT_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp('sqlite::memory:', { DEVICE_GRANT_ENABLED: 'false' })));
  afterAll(() => t.close());

  it('removes the endpoint and the grant type from the metadata and refuses their requests', async () => {
    const metadata = await discover(t);
    expect(metadata.device_authorization_endpoint).toBeUndefined();
    expect(metadata.grant_types_supported).not.toContain(DEVICE_GRANT);
    const p = await provisionThroughAdmin(t, { grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
    expect((await postForm(`${t.url}/oauth/device_authorization`, { client_id: p.clientId })).status).toBe(404);
    expect((await readJson(await postForm(`${t.url}/oauth/token`, { grant_type: DEVICE_GRANT, device_code: 'x', client_id: p.clientId }))).body.error).toBe('unsupported_grant_type');
    expect((await fetch(`${t.url}/device`)).status).toBe(404);
  });
});
