/**
 * OAuth 2.0 Form Post Response Mode in Chromium: a relying party on another loopback origin asks
 * for response_mode=form_post; after sign-in and consent the browser posts code, state and iss to
 * its redirect URI (the page's hashed script under its own CSP, no violation reported), the app
 * answers with a redirect to its other origin (which Chromium would check against a form-action
 * directive of the form_post page), and the code redeems at the token endpoint. With scripts off,
 * the page's Continue button does the same.
 */
import { join } from 'node:path';
import { Browser, BrowserContext } from 'playwright-core';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { pkcePair, provision, tokenRequest } from '../support/oauth-flow';
import { ClientsService } from '../../src/clients/clients.service';
import { FormPostApp } from './form-post-app';
import { describeWithBrowser, launchChromium } from '../support/browser';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

jest.setTimeout(30_000);

describeWithBrowser.each(DATABASES)('form_post response mode in Chromium (%s)', (dbName, db) => {
  let t: TestApp;
  let browser: Browser;
  const apps: FormPostApp[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startApp(db),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    for (const app of apps) await app.close();
    await t?.close();
  });

  /** A client whose redirect URI is a fresh relying party's /callback, which asks for form_post with this PKCE pair. */
  async function relyingParty(state: string) {
    const p = await provision(t, { redirect_uris: ['http://127.0.0.1/placeholder'] });
    const pkce = pkcePair();
    const app = new FormPostApp(
      (redirectUri) =>
        `${t.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', response_mode: 'form_post', client_id: p.clientId, redirect_uri: redirectUri, scope: 'profile', state, code_challenge: pkce.challenge, code_challenge_method: 'S256' })}`,
    );
    apps.push(app);
    await app.listen();
    await t.app.get(ClientsService).update(p.clientId, { redirect_uris: [app.redirectUri] });
    return { p, pkce, app };
  }

  /** Console messages that report a Content-Security-Policy violation. */
  function cspViolations(context: BrowserContext): string[] {
    const seen: string[] = [];
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
    });
    return seen;
  }

  async function signInAndAllow(context: BrowserContext, start: string, login: { username: string; password: string }) {
    const page = await context.newPage();
    await page.goto(start);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Username').fill(login.username);
    await page.getByLabel('Password').fill(login.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    return page;
  }

  it('posts code, state and iss to the relying party after sign-in and consent; the code redeems', async () => {
    const { p, pkce, app } = await relyingParty('st-browser');
    const context = await browser.newContext();
    const violations = cspViolations(context);
    const page = await signInAndAllow(context, `${app.url}/start`, p);
    await page.waitForURL(app.doneUrl);
    await expect(page.locator('#received').textContent()).resolves.toBe('The app received a POST');
    await page.screenshot({ path: join(ARTIFACTS, `${dbName}-form-post-received.png`), fullPage: true });

    expect(app.received).toHaveLength(1);
    const [post] = app.received;
    expect(post.method).toBe('POST');
    expect(post.contentType).toBe('application/x-www-form-urlencoded');
    expect(post.fields).toEqual({ code: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), state: 'st-browser', iss: t.url });
    expect(violations).toEqual([]);

    const token = await tokenRequest(t, p, { grant_type: 'authorization_code', code: post.fields.code, redirect_uri: app.redirectUri, code_verifier: pkce.verifier });
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'profile' });
    await context.close();
  });

  it('with scripts off the page waits, showing Continue, and pressing it posts the same fields', async () => {
    const { p, app } = await relyingParty('st-noscript');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await signInAndAllow(context, `${app.url}/start`, p);
    const button = page.getByRole('button', { name: 'Continue' });
    await button.waitFor();
    expect(new URL(page.url()).origin).toBe(t.url);
    expect(app.received).toHaveLength(0);
    await page.screenshot({ path: join(ARTIFACTS, `${dbName}-form-post-noscript.png`), fullPage: true });
    await button.click();
    await page.waitForURL(app.doneUrl);
    expect(app.received).toHaveLength(1);
    expect(app.received[0].fields).toEqual({ code: expect.any(String), state: 'st-noscript', iss: t.url });
    await context.close();
  });
});
