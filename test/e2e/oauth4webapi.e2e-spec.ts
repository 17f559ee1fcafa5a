/**
 * An independent client library drives the server: oauth4webapi (panva) discovers it through its
 * RFC 8414 metadata and completes code + PKCE, refresh, client credentials, revocation and
 * introspection with its own request building and response checks — no glue in the server.
 */
import * as oauth from 'oauth4webapi';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { authorizeAt } from '../support/discovery';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

const REDIRECT_URI = 'http://127.0.0.1:9/oauth4webapi/callback';
/** Plain http is fine on loopback; oauth4webapi otherwise insists on https. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe.each(DATABASES)('oauth4webapi against the server (%s)', (_name, db) => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  beforeAll(async () => {
    t = await startApp(db);
    const issuer = new URL(t.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  });
  afterAll(() => t.close());

  it('discovers the server through its RFC 8414 metadata', () => {
    expect(as.issuer).toBe(t.url);
    expect(as.token_endpoint).toBe(`${t.url}/oauth/token`);
    expect(as.code_challenge_methods_supported).toContain('S256');
  });

  it('completes code + PKCE, refresh, revocation and introspection', async () => {
    const { client: registered, secret } = await clientFactory.create(t, { redirect_uris: [REDIRECT_URI] });
    const { user, password } = await userFactory.create(t);
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretBasic(secret!);

    const codeVerifier = oauth.generateRandomCodeVerifier();
    const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
    const state = oauth.generateRandomState();
    const callback = await authorizeAt(
      new UserAgent(t.url),
      as.authorization_endpoint!,
      { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, scope: 'profile email', state, code_challenge: codeChallenge, code_challenge_method: 'S256' },
      { username: user.username, password },
    );
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT_URI, codeVerifier, insecure),
    );
    expect(tokens).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 3600, scope: 'profile email' });

    const profile = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${t.url}/api/profile`), undefined, undefined, insecure);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toEqual({ id: user.id, username: user.username, email: user.email });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, insecure),
    );
    expect(refreshed).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 3600, scope: 'profile email' });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
    expect(introspected).toEqual({
      active: true,
      scope: 'profile email',
      client_id: client.client_id,
      username: user.username,
      sub: String(user.id),
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: as.issuer,
      aud: as.issuer,
    });

    await expect(oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, insecure))).resolves.toBeUndefined();
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, insecure));
    expect(after).toEqual({ active: false });

    // The revoked family's refresh token now fails, and oauth4webapi reports the RFC 6749 §5.2 error.
    const failed = oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshed.refresh_token!, insecure));
    await expect(failed).rejects.toBeInstanceOf(oauth.ResponseBodyError);
    await expect(failed).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('completes code + PKCE for a public client (None auth)', async () => {
    const { client: registered } = await clientFactory.create(t, { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
    const { user, password } = await userFactory.create(t);
    const client: oauth.Client = { client_id: registered.client_id, token_endpoint_auth_method: 'none' };
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorizeAt(
      new UserAgent(t.url),
      as.authorization_endpoint!,
      { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, state, code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256' },
      { username: user.username, password },
    );
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, codeVerifier, insecure),
    );
    expect(tokens).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 3600, scope: 'profile email' });
  });

  it('completes client credentials with client_secret_post', async () => {
    const { client: registered, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post' });
    const client: oauth.Client = { client_id: registered.client_id };
    const clientAuth = oauth.ClientSecretPost(secret!);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, clientAuth, { scope: 'profile' }, insecure),
    );
    expect(tokens).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 3600, scope: 'profile' });

    const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, insecure));
    expect(introspected).toMatchObject({ active: true, client_id: client.client_id, scope: 'profile', token_type: 'Bearer' });
    expect(introspected).not.toHaveProperty('sub');
  });

  it('reports the server error of a refused authorization (access_denied) through validateAuthResponse', async () => {
    const { client: registered } = await clientFactory.create(t, { redirect_uris: [REDIRECT_URI] });
    const { user, password } = await userFactory.create(t);
    const client: oauth.Client = { client_id: registered.client_id };
    const state = oauth.generateRandomState();
    const callback = await authorizeAt(
      new UserAgent(t.url),
      as.authorization_endpoint!,
      { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT_URI, state },
      { username: user.username, password },
      'deny',
    );
    let error: unknown;
    try {
      oauth.validateAuthResponse(as, client, callback, state);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect(error).toMatchObject({ error: 'access_denied', error_description: 'the resource owner denied the request' });
  });
});
