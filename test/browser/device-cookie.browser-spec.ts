/**
 * Lockout is no weapon, in a real browser: the owner signs in, signs out, strangers at six other
 * addresses lock the account, and the same browser (its known-device cookie) signs in again while
 * a fresh browser with the right password is refused.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { startApp, TestApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { describeWithBrowser, launchChromium } from '../support/browser';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

jest.setTimeout(60_000);

describeWithBrowser('known-device cookie in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [t, browser] = await Promise.all([
      startApp('sqlite::memory:', { THROTTLE_ENABLED: 'true' }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(page: Page, username: string, password: string) {
    await page.goto(`${t.url}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  it('signs in, is locked out by other addresses, and signs in again from the same browser', async () => {
    const { user, password } = await userFactory.create(t);
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    const page = await context.newPage();
    await signIn(page, user.username, password);
    await expect(page.locator('h1').textContent()).resolves.toContain(`Signed in as ${user.username}`);
    expect((await context.cookies()).map((c) => c.name)).toContain('gh_device');
    await page.goto(`${t.url}/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState();

    // Six other addresses, five wrong passwords each: the account is locked for strangers.
    for (let ip = 1; ip <= 6; ip++) {
      for (let i = 0; i < 5; i++) {
        const agent = new UserAgent(t.url, `127.0.3.${ip}`);
        const form = parseForm(await (await agent.get('/login')).text());
        await agent.postForm('/login', { ...form.fields, username: user.username, password: `guess ${ip} ${i}` });
      }
    }
    const stranger = await browser.newContext({ viewport: { width: 900, height: 600 } });
    const strangerPage = await stranger.newPage();
    await signIn(strangerPage, user.username, password);
    await expect(strangerPage.getByRole('alert').textContent()).resolves.toContain('Too many failed sign-in attempts');
    await strangerPage.screenshot({ path: join(ARTIFACTS, 'device-cookie-01-fresh-browser-locked-out.png'), fullPage: true });
    await stranger.close();

    await signIn(page, user.username, password);
    await expect(page.locator('h1').textContent()).resolves.toContain(`Signed in as ${user.username}`);
    await page.screenshot({ path: join(ARTIFACTS, 'device-cookie-02-own-browser-signed-in.png'), fullPage: true });
    await context.close();
  });
});
