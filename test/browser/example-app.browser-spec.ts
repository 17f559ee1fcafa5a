/**
 * examples/relying-party, run as a newcomer runs it (`node examples/relying-party/app.mjs` beside
 * Gatehouse, as `npm run example` does), driven by Chromium: it registers its own client, signs a
 * user in (login, consent), shows the ID token's claims, userinfo and /api/profile, refreshes, and
 * signs out through Gatehouse's end-session endpoint back to its home page.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ADMIN_KEY, startApp, TestApp } from '../support/start-app';
import { freePort } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { describeWithBrowser, launchChromium } from '../support/browser';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const APP = join(__dirname, '..', '..', 'examples', 'relying-party', 'app.mjs');

jest.setTimeout(60_000);

interface ExampleProcess {
  proc: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/** Runs the example app; resolves once it printed its address, or with its exit code if it stopped first. */
function runExample(env: Record<string, string>): Promise<ExampleProcess & { code?: number | null }> {
  const proc = spawn(process.execPath, [APP], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  // 'close', not 'exit': the output is complete then.
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return new Promise((resolve) => {
    // Whole lines only: a chunk may end in the middle of one.
    const lines = () => {
      let partial = '';
      return (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop()!;
        output.push(...parts);
        const line = parts.map((l) => /^Example app at (http:\/\/\S+)/.exec(l)).find(Boolean);
        if (line) resolve({ proc, url: line[1], output, exited });
      };
    };
    proc.stdout!.on('data', lines());
    proc.stderr!.on('data', lines());
    void exited.then((code) => resolve({ proc, url: '', output, exited, code }));
  });
}

async function stop(example: ExampleProcess | undefined): Promise<void> {
  if (!example || example.proc.exitCode !== null) return;
  example.proc.kill('SIGTERM');
  await example.exited;
}

describeWithBrowser('the example relying party (examples/relying-party) beside Gatehouse, in a browser', () => {
  // The example, not the storage, is under test: SQLite only.
  let t: TestApp;
  let browser: Browser;
  let example: ExampleProcess | undefined;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), 'gh-example-'));
  const clientFile = join(dir, 'client.json');
  const env = () => ({ ISSUER: t.url, PORT: String(port), ADMIN_API_KEY: ADMIN_KEY, CLIENT_FILE: clientFile });
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `example-app-${name}.png`), fullPage: true });
  /** The example app started by the registration test (or now, when a test runs alone). */
  const running = async (): Promise<ExampleProcess> => (example ??= await runExample(env()));
  const savedClient = () => JSON.parse(readFileSync(clientFile, 'utf8')) as { client_id: string; client_secret: string; redirect_uri: string; post_logout_redirect_uri: string };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [t, browser, port] = await Promise.all([
      startApp('sqlite::memory:'),
      launchChromium(),
      freePort(),
    ]);
  });
  afterAll(async () => {
    await stop(example);
    await browser?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with an admin key Gatehouse does not accept, or without Gatehouse, saying so', async () => {
    const refused = await runExample({ ...env(), ADMIN_API_KEY: 'not-the-admin-key-0123456789' });
    expect(refused.code).toBe(1);
    expect(refused.output.join('\n')).toContain(`Gatehouse at ${t.url} refused the admin key`);
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const absent = await runExample({ ...env(), ISSUER: nobody });
    expect(absent.code).toBe(1);
    expect(absent.output.join('\n')).toContain(`Gatehouse does not answer at ${nobody}: start it first (npm start)`);
    expect(existsSync(clientFile)).toBe(false);
  });

  it('registers its own confidential client on first start, and says what to do while Gatehouse has no user', async () => {
    example = await runExample(env());
    expect(example.url).toBe(`http://127.0.0.1:${port}`);
    const saved = savedClient();
    const { status, body } = await adminRequest(t, 'GET', `/admin/clients/${saved.client_id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      redirect_uris: [`${example.url}/callback`],
      post_logout_redirect_uris: [`${example.url}/signed-out`],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile email',
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(example.output.join('\n')).toContain('Gatehouse has no users yet');

    const page = await browser.newPage();
    await page.goto(example.url);
    await expect(page.locator('#no-user').textContent()).resolves.toContain('user:create --username alice');
    await shot(page, '01-no-user-yet');
    await userFactory.create(t);
    await page.reload();
    await expect(page.locator('#no-user').count()).resolves.toBe(0);
    await expect(page.locator('#sign-in').textContent()).resolves.toBe('Sign in with Gatehouse');
    await page.close();
  });

  it('signs in, shows the claims, userinfo and /api/profile, refreshes, and signs out of the app and of Gatehouse', async () => {
    // A valid address (quoted local part) that is also markup: the pages must show it as text.
    const { user, password } = await userFactory.create(t, { email: `"<em>rp</em>"@example.com` });
    const app = await running();
    const clientId = savedClient().client_id;
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.url);
    await page.locator('#sign-in').click();
    expect(new URL(page.url()).origin).toBe(t.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    const sessionCookie = async () => (await context.cookies(app.url)).find((c) => c.name === 'example_rp_session')?.value;
    const beforeSignIn = await sessionCookie();
    expect(beforeSignIn).toMatch(/^[\w-]{43}$/);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app.url}/`);
    // Signing in gives the app's session a new id.
    expect(await sessionCookie()).not.toBe(beforeSignIn);

    await expect(page.locator('#sub').textContent()).resolves.toBe(String(user.id));
    await expect(page.locator('#email').textContent()).resolves.toBe('"<em>rp</em>"@example.com');
    await expect(page.locator('em').count()).resolves.toBe(0);
    const claims = JSON.parse((await page.locator('#claims').textContent())!);
    expect(claims).toMatchObject({ iss: t.url, sub: String(user.id), aud: clientId });
    expect(typeof claims.nonce).toBe('string');
    await expect(page.locator('#claims-from').textContent()).resolves.toContain("From the sign-in's ID token");
    const userinfo = JSON.parse((await page.locator('#userinfo').textContent())!);
    expect(userinfo).toMatchObject({ sub: String(user.id), preferred_username: user.username, email: user.email });
    await expect(page.locator('#profile-status').textContent()).resolves.toBe('200');
    expect(JSON.parse((await page.locator('#profile').textContent())!)).toEqual({ id: user.id, username: user.username, email: user.email });
    await expect(page.locator('#refreshes').textContent()).resolves.toBe('0');
    await shot(page, '02-signed-in');

    // Refresh: a new access token, which /api/profile accepts.
    const before = await page.locator('#access-token').textContent();
    await page.locator('#refresh').click();
    await page.waitForURL(`${app.url}/`);
    await expect(page.locator('#refreshes').textContent()).resolves.toBe('1');
    // The refresh brought a new ID token for the same user (no nonce on a refresh).
    await expect(page.locator('#claims-from').textContent()).resolves.toContain("From the last refresh's ID token");
    expect(JSON.parse((await page.locator('#claims').textContent())!)).toMatchObject({ iss: t.url, sub: String(user.id), aud: clientId });
    expect(await page.locator('#access-token').textContent()).not.toBe(before);
    await expect(page.locator('#profile-status').textContent()).resolves.toBe('200');
    expect(JSON.parse((await page.locator('#profile').textContent())!)).toMatchObject({ id: user.id });
    await shot(page, '03-refreshed');

    // The app's session, as it was before signing out: its forms must stop working afterwards.
    const cookie = await sessionCookie();
    const csrf = await page.locator('#refresh').locator('xpath=..').locator('input[name=csrf]').getAttribute('value');
    expect(cookie).toBeDefined();
    const refreshWith = (token: string) =>
      fetch(`${app.url}/refresh`, {
        method: 'POST',
        headers: { cookie: `example_rp_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: token }),
        redirect: 'manual',
      });
    // The forms need the session's CSRF token: the cookie alone (a form posted from elsewhere) is refused.
    expect((await refreshWith('not-the-token')).status).toBe(403);

    // Sign out: Gatehouse asks, then sends the browser back to the app's home.
    await page.locator('#sign-out').click();
    expect(new URL(page.url()).origin).toBe(t.url);
    expect(new URL(page.url()).pathname).toBe('/oauth/logout');
    expect(new URL(page.url()).searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/signed-out`);
    expect(new URL(page.url()).searchParams.get('id_token_hint')).toBeTruthy();
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign out?');
    await shot(page, '04-gatehouse-sign-out');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/signed-out**`);
    await expect(page.locator('#signed-out').textContent()).resolves.toBe('You are signed out of this app and of Gatehouse.');
    await expect(page.locator('#sign-in').count()).resolves.toBe(1);
    await expect(page.locator('#sub').count()).resolves.toBe(0);
    await shot(page, '05-signed-out');

    // The app's session is gone (the old cookie and form no longer refresh)...
    expect((await refreshWith(csrf!)).status).toBe(403);
    // ...and so is Gatehouse's: signing in again asks for the password.
    await page.goto(app.url);
    await expect(page.locator('#sub').count()).resolves.toBe(0);
    await page.locator('#sign-in').click();
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByLabel('Password').count()).resolves.toBe(1);
    await context.close();
  });

  it('refuses a callback it did not start, a forged state, and shows a denied consent as an error', async () => {
    const { user, password } = await userFactory.create(t);
    const app = await running();
    const context = await browser.newContext();
    const page = await context.newPage();

    // No sign-in under way in this browser.
    let answer = await page.goto(`${app.url}/callback?code=abc&state=xyz`);
    expect(answer!.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('not started from this browser');

    // A sign-in under way, but a callback with another state: openid-client refuses it.
    await page.goto(app.url);
    await page.locator('#sign-in').click();
    expect(new URL(page.url()).pathname).toBe('/login');
    answer = await page.goto(`${app.url}/callback?code=abc&state=forged&iss=${encodeURIComponent(t.url)}`);
    expect(answer!.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toMatch(/state/);
    await expect(page.locator('#sub').count()).resolves.toBe(0);

    // The user says no on the consent page.
    await page.goto(app.url);
    await page.locator('#sign-in').click();
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${app.url}/callback**`);
    await expect(page.locator('#error').textContent()).resolves.toContain('access_denied');
    await shot(page, '06-consent-denied');
    await page.goto(app.url);
    await expect(page.locator('#sub').count()).resolves.toBe(0);
    await context.close();
  });

  it('reuses its saved client on restart, and registers a new one when Gatehouse no longer knows it', async () => {
    await running();
    const first = savedClient().client_id;
    await stop(example);
    example = await runExample(env());
    expect(example.url).toBe(`http://127.0.0.1:${port}`);
    expect(savedClient().client_id).toBe(first);
    expect(example.output.join('\n')).toContain(`client ${first}`);

    await stop(example);
    expect((await adminRequest(t, 'DELETE', `/admin/clients/${first}`)).status).toBe(204);
    example = await runExample(env());
    const second = savedClient().client_id;
    expect(second).not.toBe(first);
    expect((await adminRequest(t, 'GET', `/admin/clients/${second}`)).status).toBe(200);
  });
});
