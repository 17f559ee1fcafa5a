/**
 * OpenID Connect Core §3.1.2.1 authorization request parameters: prompt (none, login, consent),
 * max_age, login_hint and id_token_hint; and that requests without openid behave as before.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { obtainCode, pkcePair, provision, signIn, tokenRequest, Provisioned } from '../support/oauth-flow';
import { queryParams } from '../support/discovery';
import { adminRequest } from '../factories/admin-request';
import { decodeJwt } from '../support/oidc';

describe.each(DATABASES)('OpenID Connect authorization request (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { KEY_ROTATION_OVERLAP: '10', ACCESS_TOKEN_TTL: '600', ID_TOKEN_TTL: '600' })));
  afterAll(() => t.close());

  const rp = () => provision(t, { scope: 'openid profile email' });
  const params = (p: Provisioned, extra: Record<string, string> = {}) => {
    const { challenge } = pkcePair();
    return { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', state: 'st', code_challenge: challenge, code_challenge_method: 'S256', ...extra };
  };
  const get = (agent: UserAgent, p: Provisioned, extra: Record<string, string> = {}) => agent.get(`/oauth/authorize?${new URLSearchParams(params(p, extra))}`);
  const errorAt = (res: Response) => {
    expect(res.status).toBe(302);
    return queryParams(new URL(res.headers.get('location')!));
  };
  /** A signed-in browser that has already consented to this client (openid), and the ID token it got. */
  async function consented(p: Provisioned) {
    const { code, verifier, agent } = await obtainCode(t, p, { scope: 'openid' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    return { agent, idToken: res.body.id_token as string };
  }

  describe('prompt=none', () => {
    it('answers login_required to the client without a session, never a page', async () => {
      const p = await rp();
      expect(errorAt(await get(new UserAgent(t.url), p, { prompt: 'none' }))).toMatchObject({ error: 'login_required', error_description: 'the user must sign in', state: 'st' });
    });

    it('answers consent_required when the user has not consented yet', async () => {
      const p = await rp();
      const agent = new UserAgent(t.url);
      await signIn(agent, p);
      expect(errorAt(await get(agent, p, { prompt: 'none' }))).toMatchObject({ error: 'consent_required', state: 'st' });
    });

    it('answers a code at once when signed in and consent is remembered', async () => {
      const p = await rp();
      const { agent } = await consented(p);
      expect(errorAt(await get(agent, p, { prompt: 'none' }))).toEqual({ code: expect.any(String), state: 'st', iss: t.url });
    });

    it('refuses prompt=none combined with another value (invalid_request)', async () => {
      const p = await rp();
      expect(errorAt(await get(new UserAgent(t.url), p, { prompt: 'none login' }))).toMatchObject({ error: 'invalid_request', error_description: 'prompt=none cannot be combined with other values' });
      expect(errorAt(await get(new UserAgent(t.url), p, { prompt: 'sometimes' }))).toMatchObject({ error: 'invalid_request', error_description: 'prompt value "sometimes" is not supported' });
    });

    it('is ignored without openid: the request behaves as any OAuth request', async () => {
      const p = await rp();
      const res = await get(new UserAgent(t.url), p, { prompt: 'none', scope: 'profile' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/login\?return_to=/);
    });
  });

  it('prompt=login asks to sign in again with a session, once, and auth_time is the new sign-in', async () => {
    const p = await rp();
    const { agent } = await consented(p);
    t.clock.advance(50);
    const res = await get(agent, p, { prompt: 'login' });
    expect(res.status).toBe(302);
    const login = res.headers.get('location')!;
    expect(login).toMatch(/^\/login\?return_to=/);
    const returnTo = new URL(`http://x${login}`).searchParams.get('return_to')!;
    expect(new URL(`http://x${returnTo}`).searchParams.has('prompt')).toBe(false);
    const form = parseForm(await (await agent.get(login)).text());
    const signed = await agent.postForm(form.action, { ...form.fields, username: p.username, password: p.password });
    const back = await agent.get(signed.headers.get('location')!);
    const { code } = errorAt(back);
    expect(code).toBeDefined();
  });

  it('prompt=consent shows the consent page even when consent is remembered', async () => {
    const p = await rp();
    const { agent } = await consented(p);
    expect(errorAt(await get(agent, p))).toEqual({ code: expect.any(String), state: 'st', iss: t.url });
    const res = await get(agent, p, { prompt: 'consent' });
    expect(res.status).toBe(200);
    expect(parseForm(await res.text()).buttons.decision).toEqual(['deny', 'approve']);
  });

  it('max_age: an older sign-in must be repeated (login_required with prompt=none), and auth_time is in the ID token', async () => {
    const p = await rp();
    const { agent } = await consented(p);
    const signedInAt = t.clock.now();
    t.clock.advance(120);
    expect(errorAt(await get(agent, p, { max_age: '300' }))).toEqual({ code: expect.any(String), state: 'st', iss: t.url });
    expect(errorAt(await get(agent, p, { max_age: '60', prompt: 'none' }))).toMatchObject({ error: 'login_required' });
    const res = await get(agent, p, { max_age: '60' });
    expect(res.headers.get('location')).toMatch(/^\/login\?return_to=/);

    const { code, verifier } = await obtainCode(t, p, { scope: 'openid', max_age: '60' }, agent);
    const tokens = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    const claims = decodeJwt(tokens.body.id_token);
    expect(claims.auth_time).toBe(t.clock.now());
    expect(claims.auth_time).toBeGreaterThan(signedInAt);
    expect(errorAt(await get(new UserAgent(t.url), p, { max_age: '-1' }))).toMatchObject({ error: 'invalid_request', error_description: 'max_age must be a non-negative integer' });
  });

  it('login_hint pre-fills the username on the sign-in page', async () => {
    const p = await rp();
    const res = await get(new UserAgent(t.url), p, { login_hint: 'alice@example' });
    const login = res.headers.get('location')!;
    expect(login).toContain('login_hint=alice%40example');
    const form = parseForm(await (await new UserAgent(t.url).get(login)).text());
    expect(form.fields.username).toBe('alice@example');
  });

  describe('id_token_hint', () => {
    it('is accepted when it names the signed-in user, expired or not', async () => {
      const p = await rp();
      const { agent, idToken } = await consented(p);
      expect(errorAt(await get(agent, p, { prompt: 'none', id_token_hint: idToken }))).toEqual({ code: expect.any(String), state: 'st', iss: t.url });
      t.clock.advance(601);
      expect(errorAt(await get(agent, p, { prompt: 'none', id_token_hint: idToken }))).toEqual({ code: expect.any(String), state: 'st', iss: t.url });
    });

    it('answers login_required when it names another user than the signed-in one', async () => {
      const p = await rp();
      const { idToken } = await consented(p);
      const other = await provision(t, { scope: 'openid' });
      const agent = new UserAgent(t.url);
      await signIn(agent, other);
      expect(errorAt(await get(agent, p, { prompt: 'none', id_token_hint: idToken }))).toMatchObject({ error: 'login_required', error_description: 'the signed-in user is not the one id_token_hint names' });
    });

    it('refuses a foreign hint, one for another client, and one whose key has expired (invalid_request)', async () => {
      const p = await rp();
      const { agent, idToken } = await consented(p);
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await new SignJWT({ iss: t.url, sub: '1', aud: p.clientId }).setProtectedHeader({ alg: 'RS256', kid: 'x' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      const refusal = { error: 'invalid_request', error_description: 'id_token_hint is not an ID token this server issued to this client', state: 'st' };
      expect(errorAt(await get(agent, p, { id_token_hint: foreign }))).toMatchObject(refusal);
      const other = await rp();
      expect(errorAt(await get(agent, other, { id_token_hint: idToken }))).toMatchObject(refusal);
      // Rotated, and the old key is past its publication: the hint no longer verifies.
      await adminRequest(t, 'POST', '/admin/keys/rotate');
      t.clock.advance(10 + 600);
      expect(errorAt(await get(agent, p, { id_token_hint: idToken }))).toMatchObject(refusal);
    });
  });
});
