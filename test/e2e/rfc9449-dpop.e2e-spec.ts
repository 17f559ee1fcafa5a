/**
 * RFC 9449 DPoP, black-box with real proofs made by jose: bound tokens at the token endpoint (§5:
 * token_type DPoP, cnf.jkt in introspection and JWT access tokens, a public client's refresh token
 * bound), proofs at the protected resources (§7: Authorization: DPoP, ath, htm, htu, iat window,
 * one-time jti shared by every instance), the refusals with WWW-Authenticate: DPoP, per-client
 * dpop_bound_access_tokens, and server nonces (§8, DPOP_NONCE).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { DpopKey, dpopKey } from '../support/dpop';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { basic, postForm, readJson } from '../support/http';
import { Provisioned, discover, obtainCode, provision } from '../support/oauth-flow';

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe.each(DATABASES)('RFC 9449 DPoP (%s)', (_name, db) => {
  let t: TestApp;
  let key: DpopKey;

  beforeAll(async () => {
    t = await startApp(db);
    key = await dpopKey();
  });
  afterAll(() => t.close());

  /** A proof for `htm` `htu`; `claims` and `header` override or add. */
  function proof(htm: string, htu: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, k: DpopKey = key): Promise<string> {
    return new SignJWT({ htm, htu, jti: randomUUID(), iat: t.clock.now(), ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: k.jwk, ...header })
      .sign(k.privateKey);
  }

  const tokenUrl = () => `${t.url}/oauth/token`;
  const profileUrl = () => `${t.url}/api/profile`;

  /** Code flow for a public client, redeemed with a DPoP proof of `k`. */
  async function boundTokens(p: Provisioned, k: DpopKey = key) {
    const { code, verifier } = await obtainCode(t, p);
    return readJson(await postForm(tokenUrl(), { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier, client_id: p.clientId }, { dpop: await proof('POST', tokenUrl(), {}, {}, k) }));
  }

  const publicClient = (extra: Record<string, unknown> = {}) => provision(t, { token_endpoint_auth_method: 'none', scope: 'openid profile email', ...extra });

  const getProfile = async (scheme: string, token: string, dpop?: string) =>
    readJson(await fetch(profileUrl(), { headers: { authorization: `${scheme} ${token}`, ...(dpop ? { dpop } : {}) } }));

  function expectDpopChallenge(res: { status: number; headers: Headers }, error: string) {
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^DPoP /);
    expect(challenge).toContain(`error="${error}"`);
    expect(challenge).toContain('algs="');
  }

  it('advertises dpop_signing_alg_values_supported (asymmetric algorithms only)', async () => {
    const metadata = await discover(t);
    expect(metadata.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256', 'PS256', 'EdDSA']));
    expect(metadata.dpop_signing_alg_values_supported).not.toContain('HS256');
  });

  it('binds the tokens to the key: token_type DPoP, and /api/profile and userinfo take them with a proof naming the token', async () => {
    const p = await publicClient();
    const res = await boundTokens(p);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'DPoP', access_token: expect.any(String), refresh_token: expect.any(String) });
    const token = res.body.access_token as string;

    const profile = await getProfile('DPoP', token, await proof('GET', profileUrl(), { ath: ath(token) }));
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: p.userId, username: p.username });
    const userinfoUrl = `${t.url}/oauth/userinfo`;
    const userinfo = await readJson(await fetch(userinfoUrl, { headers: { authorization: `DPoP ${token}`, dpop: await proof('GET', userinfoUrl, { ath: ath(token) }) } }));
    expect(userinfo.status).toBe(200);
    expect(userinfo.body.sub).toBe(String(p.userId));
  });

  it('refuses at the resource: a bound token sent as Bearer, a replayed proof, another method or URL, iat off by more than 60 s, no ath, another key, no proof', async () => {
    const p = await publicClient();
    const token = (await boundTokens(p)).body.access_token as string;
    expectDpopChallenge(await getProfile('Bearer', token), 'invalid_token');

    const once = await proof('GET', profileUrl(), { ath: ath(token) });
    expect((await getProfile('DPoP', token, once)).status).toBe(200);
    expectDpopChallenge(await getProfile('DPoP', token, once), 'invalid_dpop_proof');

    expectDpopChallenge(await getProfile('DPoP', token, await proof('POST', profileUrl(), { ath: ath(token) })), 'invalid_dpop_proof');
    expectDpopChallenge(await getProfile('DPoP', token, await proof('GET', `${t.url}/oauth/userinfo`, { ath: ath(token) })), 'invalid_dpop_proof');
    expectDpopChallenge(await getProfile('DPoP', token, await proof('GET', profileUrl(), { ath: ath(token), iat: t.clock.now() - 61 })), 'invalid_dpop_proof');
    expectDpopChallenge(await getProfile('DPoP', token, await proof('GET', profileUrl(), { ath: ath(token), iat: t.clock.now() + 61 })), 'invalid_dpop_proof');
    expectDpopChallenge(await getProfile('DPoP', token, await proof('GET', profileUrl())), 'invalid_dpop_proof');
    expectDpopChallenge(await getProfile('DPoP', token, await proof('GET', profileUrl(), { ath: ath(token) }, {}, await dpopKey())), 'invalid_token');
    expectDpopChallenge(await getProfile('DPoP', token), 'invalid_dpop_proof');
    // htu is compared without query, and scheme and host case-insensitively.
    const loud = profileUrl().replace('http://127.0.0.1', 'HTTP://127.0.0.1') + '?x=1';
    expect((await getProfile('DPoP', token, await proof('GET', loud, { ath: ath(token) }))).status).toBe(200);
  });

  it('refuses a bearer token sent with the DPoP scheme', async () => {
    const p = await publicClient();
    const { code, verifier } = await obtainCode(t, p);
    const bearer = (await readJson(await postForm(tokenUrl(), { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier, client_id: p.clientId }))).body;
    expect(bearer.token_type).toBe('Bearer');
    expectDpopChallenge(await getProfile('DPoP', bearer.access_token, await proof('GET', profileUrl(), { ath: ath(bearer.access_token) })), 'invalid_token');
    expect((await getProfile('Bearer', bearer.access_token)).status).toBe(200);
  });

  it('refuses bad proofs at the token endpoint with 400 invalid_dpop_proof', async () => {
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const cc = async (dpop: string) => readJson(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop }));
    const hmac = await new SignJWT({ htm: 'POST', htu: tokenUrl(), jti: randomUUID(), iat: t.clock.now() }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk }).sign(new TextEncoder().encode('x'.repeat(32)));
    const { privateKey: exportable } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(exportable);
    for (const bad of [
      await proof('POST', tokenUrl(), {}, { typ: 'JWT' }),
      hmac,
      await proof('POST', tokenUrl(), {}, { jwk: privateJwk }),
      await proof('POST', `${t.url}/oauth/other`),
      await proof('GET', tokenUrl()),
      await proof('POST', tokenUrl(), { jti: undefined }),
      'not-a-jwt',
    ]) {
      const res = await cc(bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_dpop_proof');
    }
    const good = await cc(await proof('POST', tokenUrl()));
    expect(good.status).toBe(200);
    expect(good.body.token_type).toBe('DPoP');
  });

  it('shows cnf.jkt in introspection and in JWT access tokens', async () => {
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [], access_token_format: 'jwt' });
    const res = await readJson(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop: await proof('POST', tokenUrl()) }));
    expect(res.body.token_type).toBe('DPoP');
    expect(decodeJwt(res.body.access_token).cnf).toEqual({ jkt: key.jkt });
    const introspected = await readJson(await postForm(`${t.url}/oauth/introspect`, { token: res.body.access_token }, { authorization: basic(p.clientId, p.secret!) }));
    expect(introspected.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  it("binds a public client's refresh token: only a proof of the same key refreshes it", async () => {
    const p = await publicClient();
    const issued = await boundTokens(p);
    const refresh = async (dpop?: string) => readJson(await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token, client_id: p.clientId }, dpop ? { dpop } : {}));
    expect((await refresh()).body.error).toBe('invalid_grant');
    expect((await refresh(await proof('POST', tokenUrl(), {}, {}, await dpopKey()))).body.error).toBe('invalid_grant');
    const rotated = await refresh(await proof('POST', tokenUrl()));
    expect(rotated.status).toBe(200);
    expect(rotated.body.token_type).toBe('DPoP');
  });

  it('dpop_bound_access_tokens: the client must send a proof', async () => {
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [], dpop_bound_access_tokens: true });
    const without = await readJson(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!) }));
    expect(without.status).toBe(400);
    expect(without.body.error).toBe('invalid_dpop_proof');
    const withProof = await readJson(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop: await proof('POST', tokenUrl()) }));
    expect(withProof.body.token_type).toBe('DPoP');
  });
});

describe.each(DATABASES)('RFC 9449 §8 server nonces, DPOP_NONCE=true (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { DPOP_NONCE: 'true' })));
  afterAll(() => t.close());

  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts a proof carrying it (token endpoint and resource)', async () => {
    const key = await dpopKey();
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [], scope: 'profile' });
    const url = `${t.url}/oauth/token`;
    const sign = (htm: string, htu: string, claims: Record<string, unknown> = {}) =>
      new SignJWT({ htm, htu, jti: randomUUID(), iat: t.clock.now(), ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }).sign(key.privateKey);
    const first = await readJson(await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop: await sign('POST', url) }));
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const second = await readJson(await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop: await sign('POST', url, { nonce }) }));
    expect(second.status).toBe(200);
    const token = second.body.access_token as string;
    const profile = `${t.url}/api/profile`;
    const missing = await fetch(profile, { headers: { authorization: `DPoP ${token}`, dpop: await sign('GET', profile, { ath: ath(token) }) } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('error="use_dpop_nonce"');
    expect(missing.headers.get('dpop-nonce')).toBe(nonce);
    // The nonce is accepted (a client_credentials token reaches the scope check: it names no user).
    const withNonce = await fetch(profile, { headers: { authorization: `DPoP ${token}`, dpop: await sign('GET', profile, { ath: ath(token), nonce }) } });
    expect(withNonce.status).toBe(403);
  });
});

describe.each(DATABASES)('DPoP behind a load balancer (%s)', (_name, db) => {
  it('a proof used on one instance is refused on the other (the jti store is shared)', async () => {
    const env = { ISSUER: 'https://auth.example.com' };
    let dir: string | undefined;
    let url = db;
    if (db.startsWith('sqlite')) {
      dir = mkdtempSync(join(tmpdir(), 'gh-dpop-'));
      url = `sqlite:${join(dir, 'db.sqlite')}`;
    }
    const first = await startApp(url, env);
    const second = await startAnotherInstance(first, env);
    try {
      const key = await dpopKey();
      const p = await provision(first, { grant_types: ['client_credentials'], redirect_uris: [] });
      const dpop = await new SignJWT({ htm: 'POST', htu: 'https://auth.example.com/oauth/token', jti: randomUUID(), iat: first.clock.now() })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
        .sign(key.privateKey);
      const send = (t: TestApp) => postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop }).then(readJson);
      expect((await send(first)).body.token_type).toBe('DPoP');
      const replayed = await send(second);
      expect(replayed.status).toBe(400);
      expect(replayed.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'the DPoP proof was already used (jti replayed)' });
    } finally {
      await second.close();
      await first.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DPOP_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp('sqlite::memory:', { DPOP_ENABLED: 'false' })));
  afterAll(() => t.close());

  it('removes the metadata field, and a proof no longer binds the token', async () => {
    expect((await discover(t)).dpop_signing_alg_values_supported).toBeUndefined();
    const key = await dpopKey();
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const url = `${t.url}/oauth/token`;
    const dpop = await new SignJWT({ htm: 'POST', htu: url, jti: randomUUID(), iat: t.clock.now() }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }).sign(key.privateKey);
    const res = await readJson(await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic(p.clientId, p.secret!), dpop }));
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    // The DPoP scheme is refused rather than read as Bearer.
    const profile = await fetch(`${t.url}/api/profile`, { headers: { authorization: `DPoP ${res.body.access_token}` } });
    expect(profile.status).toBe(401);
  });
});
