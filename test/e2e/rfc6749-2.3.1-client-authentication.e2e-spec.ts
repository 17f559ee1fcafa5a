import * as client from 'openid-client';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, postForm } from '../support/http';
import { clientFactory } from '../factories/client.factory';
import { adminRequest } from '../factories/admin-request';
import { authorizeAt } from '../support/discovery';
import { obtainTokens, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';

const CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';
const UNKNOWN = { error: 'invalid_client', error_description: 'unknown client: no client has this client_id' };
const FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };

/**
 * RFC 6749 §2.3.1: a client with a secret authenticates in the Basic header or in the body, whichever
 * it registered (libraries differ in their default); a refusal says why, and carries the Basic
 * challenge only when Basic was tried (§5.2).
 */
describe.each(DATABASES)('client authentication, RFC 6749 §2.3.1 (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  const token = (fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials', ...fields }, headers);

  it.each(['client_secret_basic', 'client_secret_post'])('a client registered with %s is accepted by Basic and by post alike, and keeps its registered method', async (method) => {
    const { client: c, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], token_endpoint_auth_method: method });
    const viaBasic = await token({}, { authorization: basic(c.client_id, secret!) });
    expect(viaBasic.status).toBe(200);
    const viaPost = await token({ client_id: c.client_id, client_secret: secret! });
    expect(viaPost.status).toBe(200);
    expect((await adminRequest(t, 'GET', `/admin/clients/${c.client_id}`)).body.token_endpoint_auth_method).toBe(method);
  });

  it('an unknown client: says so; the challenge only when Basic was tried', async () => {
    const viaPost = await token({ client_id: 'no-such-client', client_secret: 'whatever-secret' });
    expect(viaPost.status).toBe(401);
    expect(await viaPost.json()).toEqual(UNKNOWN);
    expect(viaPost.headers.get('www-authenticate')).toBeNull();
    const viaBasic = await token({}, { authorization: basic('no-such-client', 'whatever-secret') });
    expect(viaBasic.status).toBe(401);
    expect(await viaBasic.json()).toEqual(UNKNOWN);
    expect(viaBasic.headers.get('www-authenticate')).toBe(CHALLENGE);
  });

  it('a wrong secret: 401 by either method; the challenge only when Basic was tried', async () => {
    const { client: c } = await clientFactory.create(t, { grant_types: ['client_credentials'] });
    const viaPost = await token({ client_id: c.client_id, client_secret: 'not-the-secret' });
    expect(viaPost.status).toBe(401);
    expect(await viaPost.json()).toEqual(FAILED);
    expect(viaPost.headers.get('www-authenticate')).toBeNull();
    const viaBasic = await token({}, { authorization: basic(c.client_id, 'not-the-secret') });
    expect(viaBasic.status).toBe(401);
    expect(await viaBasic.json()).toEqual(FAILED);
    expect(viaBasic.headers.get('www-authenticate')).toBe(CHALLENGE);
  });

  it('names the method mismatch: a confidential client without its secret, a public client with one', async () => {
    const { client: confidential } = await clientFactory.create(t, { grant_types: ['client_credentials'] });
    const noSecret = await token({ client_id: confidential.client_id });
    expect(noSecret.status).toBe(401);
    expect(await noSecret.json()).toEqual({
      error: 'invalid_client',
      error_description: 'this client is registered with token_endpoint_auth_method client_secret_basic and authenticated with none: send its client secret (Basic header or client_secret in the body)',
    });
    expect(noSecret.headers.get('www-authenticate')).toBeNull();

    const { client: pub } = await clientFactory.create(t, { token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/cb'] });
    const withSecret = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code: 'x', client_id: pub.client_id, client_secret: 'a-secret-it-does-not-have' });
    expect(withSecret.status).toBe(401);
    expect(await withSecret.json()).toEqual({
      error: 'invalid_client',
      error_description: 'this client is registered with token_endpoint_auth_method none and authenticated with a client secret: send client_id alone, without a secret',
    });
  });

  it('still one method per request: Basic and a body secret together is invalid_request', async () => {
    const { client: c, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'] });
    const both = await token({ client_secret: secret! }, { authorization: basic(c.client_id, secret!) });
    expect(both.status).toBe(400);
    expect(await both.json()).toEqual({ error: 'invalid_request', error_description: 'use exactly one client authentication method' });
  });

  it('revocation with Basic by a client registered for post revokes the token (no silent 401)', async () => {
    const p = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'client_secret_post', scope: 'profile' });
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const revoked = await postForm(`${t.url}/oauth/revoke`, { token: tokens.refresh_token, token_type_hint: 'refresh_token' }, { authorization: basic(p.clientId, p.secret!) });
    expect(revoked.status).toBe(200);
    const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('openid-client with its defaults (client_secret_post) signs in a client registered with client_secret_basic', async () => {
    const p = await provisionThroughAdmin(t, { scope: 'openid profile', redirect_uris: ['http://127.0.0.1:9/rp/cb'] });
    expect(p.authMethod).toBe('client_secret_basic');
    // A secret string and no method: openid-client sends client_secret_post.
    const config = await client.discovery(new URL(t.url), p.clientId, p.secret!, undefined, { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:9/rp/cb',
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
    });
    const callback = await authorizeAt(new UserAgent(t.url), url.origin + url.pathname, Object.fromEntries(url.searchParams), p);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' });
    expect(tokens.claims()!.sub).toBe(String(p.userId));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toEqual(expect.any(String));
  });
});
