/**
 * RFC 6749 §3.1 (and OpenID Connect Core §3.1.2.1): the authorization endpoint takes the request
 * by GET or by form-encoded POST alike. A POST is CSRF-checked only when it is the consent form's
 * answer; an incoming authorization request carries no form token. Every answer carries RFC 9207 `iss`.
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent, parseForm, postForm } from '../support/http';
import { ServerMetadata, discover, postFormJson, queryParams } from '../support/discovery';
import { pkcePair } from '../support/oauth-flow';
import { DEFAULT_REDIRECT_URI, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('RFC 6749 §3.1 authorization request by POST (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db);
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup() {
    const { client, secret } = await clientFactory.create(t);
    const { user, password } = await userFactory.create(t);
    return { clientId: client.client_id, secret: secret!, login: { username: user.username, password } };
  }

  it('walks a form-encoded POST through sign-in and consent to a code that redeems, without any CSRF token', async () => {
    const { clientId, secret, login } = await setup();
    const pkce = pkcePair();
    const agent = new UserAgent(t.url);
    const params = { response_type: 'code', client_id: clientId, redirect_uri: DEFAULT_REDIRECT_URI, state: 'post-1', scope: 'profile', code_challenge: pkce.challenge, code_challenge_method: 'S256' };

    let res = await agent.postForm(meta.authorization_endpoint, params);
    expect(res.status).toBe(302);
    const loginUrl = new URL(res.headers.get('location')!, t.url);
    expect(loginUrl.pathname).toBe('/login');
    // After sign-in the browser comes back to the same request, as a GET.
    const returnTo = new URL(loginUrl.searchParams.get('return_to')!, t.url);
    expect(returnTo.pathname).toBe('/oauth/authorize');
    expect(Object.fromEntries(returnTo.searchParams)).toEqual(params);

    const form = parseForm(await (await agent.get(loginUrl.pathname + loginUrl.search)).text());
    res = await agent.postForm(form.action, { ...form.fields, ...login });
    expect(res.status).toBe(302);
    res = await agent.get(res.headers.get('location')!);
    expect(res.status).toBe(200);
    const consent = parseForm(await res.text());
    res = await agent.postForm(consent.action, { ...consent.fields, decision: 'approve' });
    expect(res.status).toBe(302);
    const callback = new URL(res.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(DEFAULT_REDIRECT_URI);
    expect(queryParams(callback)).toEqual({ code: expect.any(String), state: 'post-1', iss: t.url });

    const token = await postFormJson(
      meta.token_endpoint,
      { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: DEFAULT_REDIRECT_URI, code_verifier: pkce.verifier },
      { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    );
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('profile');
  });

  it('answers a signed-in POST with the same consent page as the GET', async () => {
    const { clientId, login } = await setup();
    const agent = new UserAgent(t.url);
    const form = parseForm(await (await agent.get('/login')).text());
    expect((await agent.postForm(form.action, { ...form.fields, ...login })).status).toBe(302);
    const params = { response_type: 'code', client_id: clientId, state: 'post-2' };
    const viaGet = await agent.get(`${meta.authorization_endpoint}?${new URLSearchParams(params)}`);
    const viaPost = await agent.postForm(meta.authorization_endpoint, params);
    expect([viaGet.status, viaPost.status]).toEqual([200, 200]);
    const [getForm, postFormPage] = [parseForm(await viaGet.text()), parseForm(await viaPost.text())];
    expect(postFormPage.buttons.decision.sort()).toEqual(['approve', 'deny']);
    expect(Object.keys(postFormPage.fields).sort()).toEqual(Object.keys(getForm.fields).sort());

    const res = await agent.postForm(postFormPage.action, { ...postFormPage.fields, decision: 'deny' });
    expect(res.status).toBe(302);
    expect(queryParams(new URL(res.headers.get('location')!))).toEqual({
      error: 'access_denied',
      error_description: 'the resource owner denied the request',
      state: 'post-2',
      iss: t.url,
    });
  });

  it('sends errors after verification back to the redirect URI, with state and iss, as the GET does', async () => {
    const { clientId } = await setup();
    const cases: Array<[Record<string, string> | string, string]> = [
      [{ response_type: 'code', client_id: clientId, state: 's', scope: 'admin' }, 'invalid_scope'],
      [{ response_type: 'token', client_id: clientId, state: 's' }, 'unsupported_response_type'],
      [`response_type=code&client_id=${clientId}&state=s&scope=profile&scope=email`, 'invalid_request'],
      [{ response_type: 'code', client_id: clientId, state: 's', code_challenge: pkcePair().challenge }, 'invalid_request'],
    ];
    for (const [body, error] of cases) {
      const res = await fetch(meta.authorization_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      // response_type=token answers in the fragment (§4.2.2.1), the rest in the query.
      const answer = Object.fromEntries(location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams);
      expect({ error, answer }).toEqual({ error, answer: { error, error_description: expect.any(String), state: 's', iss: t.url } });
    }
  });

  it('answers an overlong state with invalid_request without echoing it', async () => {
    const { clientId } = await setup();
    const res = await fetch(meta.authorization_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ response_type: 'code', client_id: clientId, state: 'A'.repeat(20_000) }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(queryParams(new URL(res.headers.get('location')!))).toEqual({ error: 'invalid_request', error_description: 'state is too long', iss: t.url });
  });

  it('shows an error page, never redirecting, for an unverifiable client or redirect URI', async () => {
    const { clientId } = await setup();
    for (const fields of <Array<Record<string, string>>>[{ response_type: 'code', client_id: 'nope', state: 's' }, { response_type: 'code', client_id: clientId, redirect_uri: 'https://evil.example.com/cb' }, {}]) {
      const res = await postForm(meta.authorization_endpoint, fields);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses a request too long to carry through sign-in with an error page (400), by POST or GET', async () => {
    const { clientId } = await setup();
    const long = { response_type: 'code', client_id: clientId, state: 's', nonce: '%'.repeat(3000) };
    const post = (fields: Record<string, string>) =>
      fetch(meta.authorization_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
    const viaPost = await post(long);
    const viaGet = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams(long)}`, { redirect: 'manual' });
    for (const res of [viaPost, viaGet]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('the authorization request is too long');
    }
    // Just under the limit still goes to the sign-in page.
    const fits = await post({ ...long, nonce: 'n'.repeat(7000) });
    expect(fits.status).toBe(302);
    expect(fits.headers.get('location')!.length).toBeLessThanOrEqual(8192);
  });

  it('refuses a POST that is not form-encoded with an error page (400)', async () => {
    const { clientId } = await setup();
    const res = await fetch(meta.authorization_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'code', client_id: clientId }),
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('form-encoded');
  });

  it('still CSRF-checks the consent answer: a decision without _csrf is refused (403)', async () => {
    const { clientId, login } = await setup();
    const agent = new UserAgent(t.url);
    const form = parseForm(await (await agent.get('/login')).text());
    await agent.postForm(form.action, { ...form.fields, ...login });
    const consent = parseForm(await (await agent.postForm(meta.authorization_endpoint, { response_type: 'code', client_id: clientId })).text());
    const { _csrf, ...withoutToken } = consent.fields;
    expect(_csrf).toBeTruthy();
    for (const fields of <Array<Record<string, string>>>[{ ...withoutToken, decision: 'approve' }, { decision: 'approve' }, { request_id: consent.fields.request_id }]) {
      const res = await agent.postForm(meta.authorization_endpoint, fields);
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
    }
  });
});
