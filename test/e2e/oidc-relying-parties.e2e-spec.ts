/**
 * Independent relying-party libraries drive the OpenID Provider with no glue: openid-client (panva,
 * OpenID-certified) from discovery to logout, Authlib's OpenID Connect ID token validation (Python),
 * and oauth4webapi's RFC 9068 JWT access token validation.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { authorizeAt } from '../support/discovery';
import { provision, Provisioned, obtainCode, tokenRequest } from '../support/oauth-flow';
import { fetchJwks } from '../support/oidc';

const REDIRECT_URI = 'http://127.0.0.1:9/rp/callback';
const POST_LOGOUT = 'http://127.0.0.1:9/rp/signed-out';
const PYTHON = '/usr/bin/python3';

/**
 * Whether /usr/bin/python3 can import authlib (Debian's python3-authlib). Where it cannot, the
 * Authlib test is skipped with the reason in its name; under CI=true it is mandatory.
 */
const AUTHLIB_MISSING = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import authlib'], { stdio: 'ignore', timeout: 20_000 });
    return null;
  } catch {
    return `${PYTHON} cannot import authlib (install python3-authlib)`;
  }
})();
if (AUTHLIB_MISSING && process.env.CI === 'true') throw new Error(`CI=true but ${AUTHLIB_MISSING}: the Authlib relying-party test must run in CI`);
const authlibIt = AUTHLIB_MISSING ? it.skip : it;

/** Runs the Authlib validator: Debian's python3-authlib is installed for /usr/bin/python3. */
function authlibValidate(input: Record<string, unknown>): Promise<{ ok: boolean; alg?: string; claims?: Record<string, unknown>; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [join(__dirname, '../support/python/authlib_validate_id_token.py')], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin!.end(JSON.stringify(input));
  });
}

describe.each(DATABASES)('relying parties against the OpenID Provider (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  async function rp(extra: Record<string, unknown> = {}): Promise<{ p: Provisioned; config: client.Configuration }> {
    const p = await provision(t, { scope: 'openid profile email', redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [POST_LOGOUT], ...extra });
    const config = await client.discovery(new URL(t.url), p.clientId, undefined, client.ClientSecretBasic(p.secret!), { execute: [client.allowInsecureRequests] });
    return { p, config };
  }

  it('openid-client: discovery → code + PKCE with openid → ID token validation → userinfo → refresh → logout URL', async () => {
    const { p, config } = await rp();
    expect(config.serverMetadata().issuer).toBe(t.url);
    expect(config.serverMetadata().end_session_endpoint).toBe(`${t.url}/oauth/logout`);

    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const agent = new UserAgent(t.url);
    const callback = await authorizeAt(agent, url.origin + url.pathname, Object.fromEntries(url.searchParams), p);

    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: t.url, sub: String(p.userId), aud: p.clientId, nonce });

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toEqual({ sub: String(p.userId), preferred_username: p.username, name: p.username, email: `${p.username}@example.com`, email_verified: false });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: claims.sub, aud: p.clientId });
    expect(refreshed.claims()).not.toHaveProperty('nonce');

    const logout = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: POST_LOGOUT, state: 'bye' });
    const page = await agent.get(logout.href);
    expect(page.status).toBe(200);
    const form = parseForm(await page.text());
    const done = await agent.postForm(form.action, form.fields);
    expect(done.headers.get('location')).toBe(`${POST_LOGOUT}?state=bye`);
  });

  it('openid-client refuses an ID token whose nonce is not the one it sent', async () => {
    const { p, config } = await rp();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'sent-nonce' });
    const callback = await authorizeAt(new UserAgent(t.url), url.origin + url.pathname, Object.fromEntries(url.searchParams), p);
    const refusal = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: 'another-nonce' }).catch((err: unknown) => err);
    expect(refusal).toMatchObject({ code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' });
    expect((refusal as Error).cause).toMatchObject({ message: 'unexpected ID Token "nonce" claim value', cause: { claim: 'nonce', expected: 'another-nonce' } });
  });

  it('openid-client validates an ES256 ID token for a client registered for it', async () => {
    const { p, config } = await rp({ id_token_signed_response_alg: 'ES256' });
    const es = await client.discovery(new URL(t.url), p.clientId, { id_token_signed_response_alg: 'ES256' }, client.ClientSecretBasic(p.secret!), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(es, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const callback = await authorizeAt(new UserAgent(t.url), url.origin + url.pathname, Object.fromEntries(url.searchParams), p);
    const tokens = await client.authorizationCodeGrant(es, callback, { pkceCodeVerifier: verifier });
    expect(tokens.claims()!.sub).toBe(String(p.userId));
    expect(config).toBeDefined();
  });

  authlibIt(`Authlib (Python) validates the ID token, and refuses a wrong nonce and a wrong audience${AUTHLIB_MISSING ? ` [skipped: ${AUTHLIB_MISSING}]` : ''}`, async () => {
    const p = await provision(t, { scope: 'openid profile' });
    const { code, verifier } = await obtainCode(t, p, { scope: 'openid profile', nonce: 'py-nonce' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    const input = { id_token: res.body.id_token, access_token: res.body.access_token, jwks: await fetchJwks(t), issuer: t.url, client_id: p.clientId, nonce: 'py-nonce', now: t.clock.now() };
    const ok = await authlibValidate(input);
    expect(ok).toMatchObject({ ok: true, alg: 'RS256', claims: { sub: String(p.userId), nonce: 'py-nonce', aud: p.clientId } });
    expect(await authlibValidate({ ...input, nonce: 'other' })).toMatchObject({ ok: false, error: expect.stringContaining('nonce') });
    // Authlib reports an audience that is not its client_id as the missing azp such a token would need.
    expect(await authlibValidate({ ...input, client_id: 'someone-else' })).toMatchObject({ ok: false, error: expect.stringMatching(/aud|azp/) });
    expect(await authlibValidate({ ...input, access_token: 'not-the-one' })).toMatchObject({ ok: false, error: expect.stringContaining('at_hash') });
  });

  it('oauth4webapi validates a JWT access token with its RFC 9068 helper, and refuses it for another audience', async () => {
    const p = await provision(t, { scope: 'openid profile', access_token_format: 'jwt' });
    const { code, verifier } = await obtainCode(t, p, { scope: 'profile' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    const issuer = new URL(t.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }));
    const request = new Request('https://api.example.com/resource', { headers: { authorization: `Bearer ${res.body.access_token}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, t.url, { [oauth.allowInsecureRequests]: true });
    expect(claims).toMatchObject({ iss: t.url, sub: String(p.userId), aud: t.url, client_id: p.clientId, scope: 'profile', jti: expect.any(String) });
    await expect(oauth.validateJwtAccessToken(as, request.clone(), 'https://other.example.com', { [oauth.allowInsecureRequests]: true })).rejects.toThrow();
  });
});
