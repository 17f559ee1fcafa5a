/**
 * A real client library drives the device grant, PAR, DPoP and private_key_jwt with no glue:
 * openid-client v6 (panva), whose API has all four. The server is found through discovery.
 */
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { authorizeAt } from '../support/discovery';
import { provision } from '../support/oauth-flow';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const REDIRECT_URI = 'http://127.0.0.1:9/cb';

describe.each(DATABASES)('openid-client: device grant, PAR, DPoP, private_key_jwt (%s)', (_name, db) => {
  let t: TestApp;

  beforeAll(async () => (t = await startApp(db, { DEVICE_CODE_INTERVAL: '1' })));
  afterAll(() => t.close());

  const discover = (clientId: string, auth: client.ClientAuth, metadata?: Partial<client.ClientMetadata>) =>
    client.discovery(new URL(t.url), clientId, metadata, auth, { execute: [client.allowInsecureRequests] });

  it('PAR: buildAuthorizationUrlWithPAR → the browser carries only client_id and request_uri → code → tokens', async () => {
    const p = await provision(t, { redirect_uris: [REDIRECT_URI] });
    const config = await discover(p.clientId, client.ClientSecretBasic(p.secret!));
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const callback = await authorizeAt(new UserAgent(t.url), url.origin + url.pathname, Object.fromEntries(url.searchParams), p);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('profile');
  });

  it('DPoP: a public client gets DPoP-bound tokens and uses them at /api/profile, userinfo and refresh', async () => {
    const p = await provision(t, { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', scope: 'openid profile' });
    const config = await discover(p.clientId, client.None());
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'n' });
    const callback = await authorizeAt(new UserAgent(t.url), url.origin + url.pathname, Object.fromEntries(url.searchParams), p);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: 'n' }, undefined, { DPoP });
    expect(tokens.token_type).toBe('dpop');
    const profile = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${t.url}/api/profile`), 'GET', undefined, undefined, { DPoP });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id: p.userId, username: p.username });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(p.userId), { DPoP });
    expect(userinfo.sub).toBe(String(p.userId));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    expect(refreshed.token_type).toBe('dpop');
    // Without the key the stolen access token is worthless.
    const stolen = await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(stolen.status).toBe(401);
  });

  it('private_key_jwt: client credentials with an assertion signed by the registered key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const p = await provision(t, { grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'rp-1' }] } });
    const config = await discover(p.clientId, client.PrivateKeyJwt({ key: privateKey, kid: 'rp-1' }));
    const tokens = await client.clientCredentialsGrant(config, { scope: 'profile' });
    expect(tokens.token_type).toBe('bearer');
    const wrong = await generateKeyPair('ES256');
    const impostor = await discover(p.clientId, client.PrivateKeyJwt({ key: wrong.privateKey, kid: 'rp-1' }));
    // 401 invalid_client (with the Basic challenge every failed client authentication carries).
    await expect(client.clientCredentialsGrant(impostor, { scope: 'profile' })).rejects.toMatchObject({ status: 401 });
  });

  it('device grant: initiateDeviceAuthorization → the user approves at /device → pollDeviceAuthorizationGrant gets the tokens', async () => {
    const p = await provision(t, { grant_types: [DEVICE_GRANT], redirect_uris: [], token_endpoint_auth_method: 'none' });
    const config = await discover(p.clientId, client.None());
    const device = await client.initiateDeviceAuthorization(config, { scope: 'profile' });
    expect(device.verification_uri).toBe(`${t.url}/device`);
    expect(device.interval).toBe(1);
    // The server's clock is a test clock: let it run (faster than real time, so a poll a second apart is never early).
    const tick = setInterval(() => t.clock.advance(2), 1000);
    try {
      const polling = client.pollDeviceAuthorizationGrant(config, device);
      const agent = new UserAgent(t.url);
      let form = parseForm(await (await agent.get(new URL(device.verification_uri_complete!).pathname + new URL(device.verification_uri_complete!).search)).text());
      let res = await agent.postForm(form.action, form.fields);
      res = await agent.get(res.headers.get('location')!);
      form = parseForm(await (await agent.get(res.headers.get('location')!)).text());
      res = await agent.postForm(form.action, { ...form.fields, username: p.username, password: p.password });
      res = await agent.get(res.headers.get('location')!);
      form = parseForm(await res.text());
      expect((await agent.postForm(form.action, { ...form.fields, decision: 'approve' })).status).toBe(200);
      const tokens = await polling;
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('profile');
    } finally {
      clearInterval(tick);
    }
  }, 30_000);
});
