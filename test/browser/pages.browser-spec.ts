import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { discover } from '../support/discovery';
import { userFactory } from '../factories/user.factory';
import { ThirdPartyApp } from './third-party-app';
import { describeWithBrowser, launchChromium } from '../support/browser';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

jest.setTimeout(30_000);

describeWithBrowser.each(DATABASES)('sign-in, console and consent in a browser (%s)', (dbName, db) => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let app: ThirdPartyApp;
  let username: string;
  let password: string;
  /** Every console message of the pages: a CSP violation (inline script or style) would show here. */
  const consoleMessages: string[] = [];
  /** Status of every answer from the authorization endpoint the browser saw. */
  let authorizeStatuses: number[] = [];

  const shot = async (name: string, p: Page = page) => {
    await p.screenshot({ path: join(ARTIFACTS, `${dbName}-${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [t, browser] = await Promise.all([startApp(db, { THROTTLE_ENABLED: 'true' }), launchChromium()]);
    const metadata = await discover(t);
    app = new ThirdPartyApp({ authorization_endpoint: metadata.authorization_endpoint, token_endpoint: metadata.token_endpoint, profile_endpoint: `${t.url}/api/profile` });
    await app.listen();
    ({ user: { username }, password } = await userFactory.create(t));
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    page = await context.newPage();
    page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/oauth/authorize' && r.request().method() === 'GET') authorizeStatuses.push(r.status());
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await t?.close();
  });

  it('signs in to the console, showing an error next to the form for a wrong password', async () => {
    await page.goto(`${t.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.title()).toBe('Sign in · Gatehouse');
    await shot('01-login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong username or password.');
    expect(await page.getByLabel('Username').inputValue()).toBe(username);
    await shot('02-login-wrong-password');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/console`);
    expect(await page.title()).toBe('Developer console · Gatehouse');
    await expect(page.locator('h1').textContent()).resolves.toContain(username);
    await shot('03-console-empty');
  });

  it('registers a client: errors beside the fields, then the id and secret shown once', async () => {
    await page.getByRole('link', { name: 'Register a client' }).click();
    expect(await page.title()).toBe('Register a client · Gatehouse');
    await page.getByLabel('Client Name').fill('Photo Printer');
    await page.getByLabel('Client URI').fill('https://printer.example');
    await page.getByLabel('Allowed Scope').fill('profile email');
    await page.getByLabel('Redirect URIs').fill(`http://printer.example/callback`);
    await page.getByLabel('refresh_token').check();
    await page.getByLabel('Token Endpoint Auth Method').selectOption('client_secret_basic');
    await shot('04-register-form');
    await page.getByRole('button', { name: 'Register client' }).click();
    expect(await page.title()).toBe('Error: Register a client · Gatehouse');
    expect(await page.locator('#redirect_uris-error').textContent()).toBe('"http://printer.example/callback" must use https (http only on a loopback host)');
    expect(await page.getByLabel('Client Name').inputValue()).toBe('Photo Printer');
    expect(await page.getByLabel('refresh_token').isChecked()).toBe(true);
    await shot('05-register-errors');
    await page.getByLabel('Redirect URIs').fill(app.redirectUri);
    await page.getByRole('button', { name: 'Register client' }).click();
    expect(await page.title()).toBe('Client registered · Gatehouse');
    app.clientId = (await page.locator('#client-id').textContent())!.trim();
    app.clientSecret = (await page.locator('#client-secret').textContent())!.trim();
    expect(app.clientId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(app.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await shot('06-client-secret');
    await page.getByRole('link', { name: 'Back to the console' }).click();
    await expect(page.locator('.items').first().textContent()).resolves.toContain('Photo Printer');
    expect(await page.content()).not.toContain(app.clientSecret);
    await shot('07-console-with-client');
  });

  it('runs the code flow with PKCE from the third-party app: consent, callback, token, profile', async () => {
    authorizeStatuses = [];
    await page.goto(`${app.url}/start?scope=profile`);
    expect(await page.title()).toBe('Authorize Photo Printer · Gatehouse');
    const consent = page.locator('main');
    await expect(consent.textContent()).resolves.toContain('Photo Printer');
    await expect(consent.textContent()).resolves.toContain('https://printer.example');
    await expect(consent.textContent()).resolves.toContain('profile');
    await shot('08-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.pathname === '/callback');
    expect(await page.locator('#status').textContent()).toBe('200');
    const profile = JSON.parse((await page.locator('#profile').textContent())!);
    expect(profile).toEqual({ id: expect.any(Number), username });
    expect(authorizeStatuses).toEqual([200]);
    await shot('09-third-party-profile');
  });

  it('remembers the consent: the second run for the same scope skips the consent page', async () => {
    authorizeStatuses = [];
    await page.goto(`${app.url}/start?scope=profile`);
    await page.waitForURL((u) => u.pathname === '/callback');
    expect(authorizeStatuses).toEqual([302]);
    expect(JSON.parse((await page.locator('#profile').textContent())!)).toMatchObject({ username });
  });

  it('asks again for a wider scope, and Deny sends access_denied to the app', async () => {
    authorizeStatuses = [];
    await page.goto(`${app.url}/start?scope=${encodeURIComponent('profile email')}`);
    expect(await page.title()).toBe('Authorize Photo Printer · Gatehouse');
    await expect(page.locator('main').textContent()).resolves.toContain('email');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((u) => u.pathname === '/callback');
    expect(await page.locator('#error').textContent()).toBe('access_denied');
    await shot('10-third-party-denied');
  });

  it('completes a consent whose state is as long as the server accepts (2048 characters)', async () => {
    authorizeStatuses = [];
    await page.goto(`${app.url}/start?scope=${encodeURIComponent('profile email')}&state_length=2048`);
    expect(await page.title()).toBe('Authorize Photo Printer · Gatehouse');
    // The pending request is in the database: the browser holds a short key, whatever the state's size.
    const pendingCookie = (await context.cookies(t.url)).find((c) => c.name === 'gh_authz')!;
    expect(pendingCookie.value.length).toBeLessThan(200);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.pathname === '/callback');
    expect(await page.locator('#status').textContent()).toBe('200');
    expect(JSON.parse((await page.locator('#profile').textContent())!)).toMatchObject({ username });
    expect(authorizeStatuses).toEqual([200]);
  });

  it('lists the app under "Authorized apps"; revoking it makes the profile call fail with 401', async () => {
    await page.goto(`${t.url}/console`);
    const apps = page.getByRole('list', { name: 'Authorized apps' });
    await expect(apps.textContent()).resolves.toContain('Photo Printer');
    await shot('11-console-authorized-apps');
    await page.getByRole('button', { name: 'Revoke access for Photo Printer' }).click();
    await page.waitForURL(`${t.url}/console?done=revoked`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Access revoked');
    await expect(page.locator('main').textContent()).resolves.toContain('You have not authorized any app.');
    await shot('12-console-revoked');
    await page.goto(`${app.url}/profile`);
    expect(await page.locator('#status').textContent()).toBe('401');
    await shot('13-third-party-401');
  });

  it('edits the client and shows the rotate and delete controls', async () => {
    await page.goto(`${t.url}/console`);
    await page.getByRole('link', { name: 'Edit Photo Printer' }).click();
    expect(await page.title()).toBe('Edit Photo Printer · Gatehouse');
    expect(await page.getByLabel('Redirect URIs').inputValue()).toBe(app.redirectUri);
    await shot('14-edit-client');
    await page.getByRole('button', { name: 'Rotate client secret' }).click();
    expect(await page.title()).toBe('New client secret · Gatehouse');
    expect((await page.locator('#client-secret').textContent())!.trim()).not.toBe(app.clientSecret);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    p.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    try {
      await p.goto(`${t.url}/login?return_to=/console/clients/new`);
      await shot('15-phone-login', p);
      await p.getByLabel('Username').fill(username);
      await p.getByLabel('Password').fill(password);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(`${t.url}/console/clients/new`);
      await p.getByRole('button', { name: 'Register client' }).click();
      expect(await p.locator('#client_name-error').textContent()).toBe('must not be empty');
      // Nothing wider than the screen.
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await shot('16-phone-register-errors', p);
      await p.goto(`${t.url}/console`);
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await shot('17-phone-console', p);
    } finally {
      await phone.close();
    }
  });

  it('locks sign-in after five wrong passwords, says how long to wait, and signs in once the wait is over', async () => {
    const { user } = await userFactory.create(t);
    const own = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const p = await own.newPage();
    p.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
    try {
      await p.goto(`${t.url}/login?return_to=/console`);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        await p.getByLabel('Username').fill(user.username);
        await p.getByLabel('Password').fill(`wrong ${i}`);
        const [response] = await Promise.all([p.waitForResponse((r) => r.url() === `${t.url}/login` && r.request().method() === 'POST'), p.getByRole('button', { name: 'Sign in' }).click()]);
        statuses.push(response.status());
        if (i === 4) expect(response.headers()['retry-after']).toBe('60');
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      await expect(p.getByRole('alert').textContent()).resolves.toBe('Too many failed sign-in attempts. Try again in 1 minute.');
      await shot('18-login-locked-out', p);
      // The right password while locked: still the lockout page.
      await p.getByLabel('Password').fill('correct horse battery staple');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await expect(p.getByRole('alert').textContent()).resolves.toContain('Too many failed sign-in attempts');
      // The wait passes (the server's clock), and the same form signs in.
      t.clock.advance(60);
      await p.getByLabel('Password').fill('correct horse battery staple');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.waitForURL(`${t.url}/console`);
      await expect(p.locator('h1').textContent()).resolves.toContain(user.username);
    } finally {
      await own.close();
    }
  });

  it('logged no console errors (no CSP violation: no inline script or handler)', () => {
    // 'Failed to load resource' is the console noting a 4xx page we asked for (wrong password, 404 favicon).
    expect(consoleMessages.filter((m) => m.startsWith('error') && !m.includes('Failed to load resource'))).toEqual([]);
  });
});
