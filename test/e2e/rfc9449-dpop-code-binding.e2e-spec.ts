/**
 * RFC 9449 §10 authorization code binding, black-box with real proofs made by jose: `dpop_jkt` in a
 * pushed authorization request and in a plain one, and a DPoP proof sent with the push (§10.1),
 * bind the code to a key; the token endpoint redeems it only with a proof of that key (otherwise
 * invalid_grant, the code left unused). A push whose dpop_jkt and proof name different keys is
 * refused, as is a malformed dpop_jkt.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DpopKey, dpopKey } from '../support/dpop';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, postForm, readJson } from '../support/http';
import { AdminProvisioned, authorize, obtainCode, pkcePair, provisionThroughAdmin } from '../support/oauth-flow';

describe.each(DATABASES)('RFC 9449 §10 DPoP-bound authorization codes (%s)', (_name, db) => {
  let t: TestApp;
  let key: DpopKey;
  let other: DpopKey;
  let p: AdminProvisioned;

  beforeAll(async () => {
    t = await startApp(db);
    [key, other] = await Promise.all([dpopKey(), dpopKey()]);
    p = await provisionThroughAdmin(t);
  });
  afterAll(() => t.close());

  const proof = (htu: string, k: DpopKey = key) =>
    new SignJWT({ htm: 'POST', htu, jti: randomUUID(), iat: t.clock.now() }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk }).sign(k.privateKey);

  /** POST /oauth/par (Basic), with a proof of `k` when given. */
  async function push(fields: Record<string, string>, k?: DpopKey) {
    const headers: Record<string, string> = { authorization: basic(p.clientId, p.secret!) };
    if (k) headers.dpop = await proof(`${t.url}/oauth/par`, k);
    return readJson(await postForm(`${t.url}/oauth/par`, fields, headers));
  }

  /** Pushes a code request (PKCE), follows it through sign-in and consent: the code and its verifier. */
  async function pushedCode(extra: Record<string, string>, k?: DpopKey): Promise<{ code: string; verifier: string }> {
    const pkce = pkcePair();
    const pushed = await push({ response_type: 'code', redirect_uri: p.redirectUri, scope: 'profile', state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra }, k);
    expect(pushed.status).toBe(201);
    const callback = await authorize(new UserAgent(t.url), { client_id: p.clientId, request_uri: pushed.body.request_uri }, p);
    const code = callback.searchParams.get('code');
    if (!code) throw new Error(`no code in ${callback}`);
    return { code, verifier: pkce.verifier };
  }

  /** Redeems the code (Basic), with a proof of `k` when given. */
  async function redeem(code: { code: string; verifier: string }, k?: DpopKey) {
    const headers: Record<string, string> = { authorization: basic(p.clientId, p.secret!) };
    if (k) headers.dpop = await proof(`${t.url}/oauth/token`, k);
    return readJson(await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code: code.code, redirect_uri: p.redirectUri, code_verifier: code.verifier }, headers));
  }

  function expectInvalidGrant(res: { status: number; body: any }) {
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.body.access_token).toBeUndefined();
  }

  it('PAR with dpop_jkt: the code is refused without a proof and with another key, and redeemed with the bound key (token_type DPoP)', async () => {
    const code = await pushedCode({ dpop_jkt: key.jkt });
    expectInvalidGrant(await redeem(code));
    expectInvalidGrant(await redeem(code, other));
    // The refusals left the code unused: the holder of the key still redeems it.
    const ok = await redeem(code, key);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'DPoP', access_token: expect.any(String) });
  });

  it('a DPoP proof at the PAR endpoint binds the code to its key (§10.1)', async () => {
    const code = await pushedCode({}, other);
    expectInvalidGrant(await redeem(code));
    expectInvalidGrant(await redeem(code, key));
    const ok = await redeem(code, other);
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
  });

  it('a push whose dpop_jkt and DPoP proof name different keys is refused; the same key is accepted', async () => {
    const request = { response_type: 'code', redirect_uri: p.redirectUri, scope: 'profile', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const mismatch = await push({ ...request, dpop_jkt: other.jkt }, key);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toBe('invalid_dpop_proof');
    expect(mismatch.body.request_uri).toBeUndefined();
    const same = await push({ ...request, dpop_jkt: key.jkt }, key);
    expect(same.status).toBe(201);
  });

  it('an invalid proof at the PAR endpoint is refused (invalid_dpop_proof), not ignored', async () => {
    const res = await readJson(
      await postForm(
        `${t.url}/oauth/par`,
        { response_type: 'code', redirect_uri: p.redirectUri, scope: 'profile', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' },
        { authorization: basic(p.clientId, p.secret!), dpop: await proof(`${t.url}/oauth/token`) },
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_dpop_proof');
  });

  it('dpop_jkt on a plain authorization request binds the code; a code without it is redeemed without a proof', async () => {
    const bound = await obtainCode(t, p, { dpop_jkt: key.jkt });
    expectInvalidGrant(await redeem(bound));
    expectInvalidGrant(await redeem(bound, other));
    const ok = await redeem(bound, key);
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');

    const unbound = await obtainCode(t, p);
    const bearer = await redeem(unbound);
    expect(bearer.status).toBe(200);
    expect(bearer.body.token_type).toBe('Bearer');
  });

  it('a malformed dpop_jkt is invalid_request: at the PAR endpoint (400) and at the authorization endpoint (to the redirect URI)', async () => {
    const request = { response_type: 'code', redirect_uri: p.redirectUri, scope: 'profile', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    for (const bad of [key.jkt.slice(1), `${key.jkt}A`, `${key.jkt.slice(1)}=`, `${key.jkt.slice(1)}+`]) {
      const res = await push({ ...request, dpop_jkt: bad });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('dpop_jkt') });
    }
    // RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
    expect((await push({ ...request, dpop_jkt: '' })).status).toBe(201);
    const agent = new UserAgent(t.url);
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams({ ...request, client_id: p.clientId, state: 'st', dpop_jkt: key.jkt.slice(2) })}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(p.redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('st');
  });
});
