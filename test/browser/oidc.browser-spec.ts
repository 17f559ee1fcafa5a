import { Browser } from 'playwright-core';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { provision } from '../support/oauth-flow';
import { ClientsService } from '../../src/clients/clients.service';
import { OidcApp } from './oidc-app';
import { describeWithBrowser, launchChromium } from '../support/browser';

jest.setTimeout(30_000);

describeWithBrowser.each(DATABASES)('OpenID Connect sign-in and sign-out of a third-party app in a browser (%s)', (_name, db) => {
  let t: TestApp;
  let browser: Browser;
  let app: OidcApp;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startApp(db),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.close();
  });

  it('signs in through the provider (login, consent), shows the userinfo name, and signs out through the end-session endpoint', async () => {
    const p = await provision(t, { scope: 'openid profile email', redirect_uris: ['http://127.0.0.1/placeholder'] });
    app = new OidcApp(t.url, p.clientId, p.secret!);
    await app.listen();
    await t.app.get(ClientsService).update(p.clientId, { redirect_uris: [app.redirectUri], post_logout_redirect_uris: [app.postLogoutRedirectUri] });

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/start`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').fill(p.username);
    await page.getByLabel('Password').fill(p.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app.url}/callback**`);
    await expect(page.locator('#hello').textContent()).resolves.toBe(`Hello, ${p.username}`);
    await expect(page.locator('#sub').textContent()).resolves.toBe(String(p.userId));

    await page.locator('#sign-out').click();
    expect(new URL(page.url()).pathname).toBe('/oauth/logout');
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign out?');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${app.url}/signed-out**`);
    await expect(page.locator('#bye').textContent()).resolves.toBe('Signed out of the app');
    await expect(page.locator('#state').textContent()).resolves.toBe('left');

    // The provider's session is gone: signing in to the app again asks for the password.
    await page.goto(`${app.url}/start`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
