/**
 * A single-page app on another loopback origin runs the whole code flow with PKCE and a refresh
 * in Chromium, calling the metadata and the token endpoint with `fetch` (CORS), and checks the
 * RFC 9207 `iss` of the authorization response against the metadata's issuer.
 */
import { AddressInfo } from 'node:net';
import { Server, createServer } from 'node:http';
import { Browser } from 'playwright-core';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';
import { describeWithBrowser, launchChromium } from '../support/browser';

jest.setTimeout(30_000);

/**
 * The app: one page. Without `code` it makes a PKCE pair, keeps the verifier in sessionStorage and
 * goes to the authorization endpoint; on /callback it checks state and iss, redeems the code with
 * fetch, refreshes once, and writes what it got into #result.
 */
function spaPage(issuer: string, clientId: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title></head><body><pre id="result">working</pre>
<script>
const ISSUER = ${JSON.stringify(issuer)};
const CLIENT_ID = ${JSON.stringify(clientId)};
const REDIRECT_URI = location.origin + '/callback';
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
const show = (value) => { document.getElementById('result').textContent = JSON.stringify(value); };
async function token(endpoint, fields) {
  const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  return { status: res.status, body: await res.json() };
}
(async () => {
  const meta = await (await fetch(ISSUER + '/.well-known/oauth-authorization-server')).json();
  const params = new URLSearchParams(location.search);
  if (location.pathname !== '/callback') {
    const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
    location.assign(meta.authorization_endpoint + '?' + new URLSearchParams({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'profile email', state, code_challenge: challenge, code_challenge_method: 'S256' }));
    return;
  }
  const { verifier, state } = JSON.parse(sessionStorage.getItem('pkce'));
  if (params.get('state') !== state) return show({ error: 'state mismatch' });
  // RFC 9207: the response names its issuer; it must be the one this app talked to.
  if (params.get('iss') !== meta.issuer) return show({ error: 'iss mismatch', iss: params.get('iss') });
  const issued = await token(meta.token_endpoint, { grant_type: 'authorization_code', code: params.get('code'), redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: CLIENT_ID });
  const refreshed = await token(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token, client_id: CLIENT_ID });
  const revoked = await fetch(meta.revocation_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: refreshed.body.refresh_token, client_id: CLIENT_ID }) });
  show({ iss: params.get('iss'), issued, refreshed, revoked: revoked.status });
})().catch((err) => show({ error: String(err) }));
</script></body></html>`;
}

describeWithBrowser.each(DATABASES)('a single-page app on another origin, in Chromium (%s)', (_dbName, db) => {
  let t: TestApp;
  let browser: Browser;
  let spa: Server;
  let spaOrigin: string;
  let clientId: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    spa = createServer();
    await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve));
    spaOrigin = `http://127.0.0.1:${(spa.address() as AddressInfo).port}`;
    [t, browser] = await Promise.all([
      startApp(db),
      launchChromium(),
    ]);
    // A public client; its CORS origin is its redirect URI's, by default.
    const { client } = await clientFactory.create(t, { client_name: 'Single Page', token_endpoint_auth_method: 'none', redirect_uris: [`${spaOrigin}/callback`] });
    clientId = client.client_id;
    spa.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', spaOrigin).pathname;
      const html = path === '/' || path === '/callback' ? spaPage(t.url, clientId) : '<!doctype html><title>blank</title>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => spa?.close(resolve));
    await t?.close();
  });

  it('signs in, consents, redeems the code with PKCE and refreshes, all with fetch across origins', async () => {
    const { user, password } = await userFactory.create(t);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${m.text()} ${m.location().url}`));
    await page.goto(`${spaOrigin}/`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/oauth/authorize');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === spaOrigin && u.pathname === '/callback');
    await page.waitForFunction("document.getElementById('result').textContent !== 'working'");
    const result = JSON.parse((await page.locator('#result').textContent())!);
    expect(result).toEqual({
      iss: t.url,
      issued: { status: 200, body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String), scope: 'profile email' } },
      refreshed: { status: 200, body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String), scope: 'profile email' } },
      revoked: 200,
    });
    expect(result.refreshed.body.refresh_token).not.toBe(result.issued.body.refresh_token);
    // A CORS refusal would show here; the browser's own favicon request is not the app's.
    expect(consoleErrors.filter((e) => !e.endsWith('/favicon.ico'))).toEqual([]);
    await context.close();
  });

  it('is blocked by the browser when the client does not allow the origin', async () => {
    // Narrow the client's origins to another one: the same page can no longer read the token endpoint.
    expect((await adminRequest(t, 'PATCH', `/admin/clients/${clientId}`, { allowed_cors_origins: ['https://elsewhere.example.com'] })).status).toBe(200);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${spaOrigin}/nothing`);
    const outcome = await page.evaluate(async ({ issuer, id }) => {
      try {
        const res = await fetch(`${issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: id }) });
        return `read ${res.status}`;
      } catch (err) {
        return `blocked: ${(err as Error).name}`;
      }
    }, { issuer: t.url, id: clientId });
    expect(outcome).toBe('blocked: TypeError');
    await context.close();
  });
});
