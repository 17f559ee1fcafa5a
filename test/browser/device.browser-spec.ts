import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { postForm } from '../support/http';
import { provisionThroughAdmin } from '../support/oauth-flow';
import { describeWithBrowser, launchChromium } from '../support/browser';

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

jest.setTimeout(30_000);

/** RFC 8628 §3.3 as a person does it: a TV shows a code, the user types it at /device on a phone. */
describeWithBrowser.each(DATABASES)('the /device page in a browser (%s)', (dbName, db) => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [t, browser] = await Promise.all([
      startApp(db),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('enter the code (a typo first), sign in, allow, and the device gets its tokens', async () => {
    const p = await provisionThroughAdmin(t, { client_name: 'Living Room TV', grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
    const device = (await (await postForm(`${t.url}/oauth/device_authorization`, { client_id: p.clientId })).json()) as { user_code: string; device_code: string };
    const context = await browser.newContext({ viewport: { width: 420, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => problems.push(`${m.type()}: ${m.text()}`));
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${dbName}-device-${name}.png`), fullPage: true });

    await page.goto(`${t.url}/device`);
    expect(await page.title()).toBe('Connect a device · Gatehouse');
    await page.getByLabel('Code').fill('BBBB-BBBB');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not valid or has expired');
    await shot('01-wrong-code');

    await page.getByLabel('Code').fill(device.user_code.toLowerCase().replace('-', ' '));
    await shot('02-code');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/login\?/);
    await page.getByLabel('Username').fill(p.username);
    await page.getByLabel('Password').fill(p.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/device/confirm`);
    await expect(page.locator('h1').textContent()).resolves.toContain('Living Room TV');
    await shot('03-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Living Room TV is now connected');
    await shot('04-done');
    // A CSP violation (inline script or style) would show here; the wrong code's 400 and the favicon's 404 are expected.
    expect(problems.filter((m) => m.startsWith('error') && !m.includes('Failed to load resource'))).toEqual([]);
    await context.close();

    const tokens: any = await (await postForm(`${t.url}/oauth/token`, { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: p.clientId })).json();
    expect(tokens.token_type).toBe('Bearer');
  });
});
