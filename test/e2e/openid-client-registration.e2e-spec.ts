/**
 * A second client library registers itself: openid-client's dynamicClientRegistration (RFC 7591,
 * with an initial access token), then the code flow with PKCE and `resource` (RFC 8707).
 */
import * as client from 'openid-client';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { authorizeAt } from '../support/discovery';
import { adminRequest } from '../factories/admin-request';
import { userFactory } from '../factories/user.factory';
import { getProfile } from '../support/oauth-flow';

const REDIRECT_URI = 'http://127.0.0.1:9/dcr/callback';

describe.each(DATABASES)('openid-client dynamic registration (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { REGISTRATION: 'token' })));
  afterAll(() => t.close());

  // openid-client authenticates with the issued secret by client_secret_post unless told otherwise.
  const metadata = { client_name: 'openid-client app', redirect_uris: [REDIRECT_URI], response_types: ['code'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_post', scope: 'openid profile' };

  it('registers with an initial access token, then runs code + PKCE with resource', async () => {
    const initialAccessToken = (await adminRequest(t, 'POST', '/admin/registration-tokens', { description: 'openid-client' })).body.initial_access_token;
    const config = await client.dynamicClientRegistration(new URL(t.url), metadata, undefined, { initialAccessToken, execute: [client.allowInsecureRequests] });
    expect(config.clientMetadata()).toMatchObject({ client_id: expect.any(String), client_secret: expect.any(String), client_name: 'openid-client app', registration_access_token: expect.any(String) });

    const { user, password } = await userFactory.create(t);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 'st', resource: `${t.url}/api/profile` });
    const params = Object.fromEntries(url.searchParams);
    const callback = await authorizeAt(new UserAgent(t.url), `${url.origin}${url.pathname}`, params, { username: user.username, password });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' }, { resource: `${t.url}/api/profile` });
    expect((await getProfile(t, tokens.access_token)).body).toEqual({ id: user.id, username: user.username });
  });

  it('is refused without the initial access token', async () => {
    const err = await client.dynamicClientRegistration(new URL(t.url), metadata, undefined, { execute: [client.allowInsecureRequests] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const { status, cause } = err as client.WWWAuthenticateChallengeError;
    expect(status).toBe(401);
    expect(cause[0]).toMatchObject({ scheme: 'bearer', parameters: { error: 'invalid_token' } });
  });
});
