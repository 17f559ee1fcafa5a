/**
 * RFC 7636 Proof Key for Code Exchange: the challenge at the authorization endpoint (§4.3, §4.4.1),
 * the verifier at the token endpoint (§4.5, §4.6), RFC 9700 §2.1.1 (a verifier without a
 * challenge), and the PKCE_REQUIRED / PKCE_ALLOW_PLAIN switches.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, postForm } from '../support/http';
import { AdminProvisioned, discover, obtainCode, pkcePair, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';

const ERROR_BODY = (error: string) => ({ error, error_description: expect.any(String) });

describe.each(DATABASES)('RFC 7636 PKCE (%s)', (_name, db) => {
  /** The authorization request's parameters for `p`, with `extra` (an empty string drops a parameter). */
  const codeRequest = (p: AdminProvisioned, extra: Record<string, string> = {}) =>
    Object.fromEntries(
      Object.entries({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'st', ...extra }).filter(([, v]) => v !== ''),
    );

  /** GET the authorization endpoint without a session: the answer before any login. */
  const authorizeAnonymously = (t: TestApp, params: Record<string, string>) =>
    fetch(`${t.url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });

  function expectErrorRedirect(res: Response, redirectUri: string, error: string) {
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    // RFC 9207: iss is the issuer, here the origin the request went to.
    expect(Object.fromEntries(location.searchParams)).toEqual({ error, error_description: expect.any(String), state: 'st', iss: new URL(res.url).origin });
  }

  /** An accepted authorization request sends the anonymous browser to the login page. */
  function expectAccepted(res: Response) {
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login\?return_to=/);
  }

  describe('PKCE_ALLOW_PLAIN=true (PKCE optional for confidential clients, plain allowed)', () => {
    let t: TestApp;
    let p: AdminProvisioned;
    beforeAll(async () => {
      t = await startApp(db, { PKCE_ALLOW_PLAIN: 'true' });
      p = await provisionThroughAdmin(t);
    });
    afterAll(() => t.close());

    const redeem = (code: string, extra: Record<string, string>) =>
      tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, ...extra });

    it('redeems an S256 code with its verifier', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await redeem(code, { code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('Bearer');
    });

    it('redeems a plain code with its verifier', async () => {
      const pkce = pkcePair('plain');
      const { code } = await obtainCode(t, p, { code_challenge: pkce.challenge, code_challenge_method: 'plain' });
      expect((await redeem(code, { code_verifier: pkce.verifier })).status).toBe(200);
    });

    it('treats a challenge without code_challenge_method as plain (§4.3)', async () => {
      const pkce = pkcePair('plain');
      const { code } = await obtainCode(t, p, { code_challenge: pkce.challenge, code_challenge_method: '' });
      expect((await redeem(code, { code_verifier: pkce.verifier })).status).toBe(200);
    });

    it('refuses a wrong verifier with invalid_grant', async () => {
      const { code } = await obtainCode(t, p);
      const res = await redeem(code, { code_verifier: pkcePair().verifier });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('refuses the S256 challenge itself sent as the verifier with invalid_grant', async () => {
      const pkce = pkcePair();
      const { code } = await obtainCode(t, p, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
      const res = await redeem(code, { code_verifier: pkce.challenge });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('refuses a missing verifier with invalid_grant', async () => {
      const { code } = await obtainCode(t, p);
      const res = await redeem(code, {});
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it('refuses a malformed verifier (too short) with invalid_grant', async () => {
      const pkce = pkcePair('plain');
      const { code } = await obtainCode(t, p, { code_challenge: pkce.challenge, code_challenge_method: 'plain' });
      const res = await redeem(code, { code_verifier: pkce.verifier.slice(0, 42) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    // An empty parameter counts as omitted (RFC 6749 §3.1): these codes carry no challenge.
    it('redeems a code issued without a challenge (confidential client) without a verifier', async () => {
      const { code } = await obtainCode(t, p, { code_challenge: '', code_challenge_method: '' });
      expect((await redeem(code, {})).status).toBe(200);
    });

    it('refuses a verifier sent for a code issued without a challenge with invalid_grant (RFC 9700 §2.1.1)', async () => {
      const { code } = await obtainCode(t, p, { code_challenge: '', code_challenge_method: '' });
      const res = await redeem(code, { code_verifier: pkcePair().verifier });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    });

    it.each([
      ['too short (42 characters)', 'a'.repeat(42)],
      ['too long (129 characters)', 'a'.repeat(129)],
      ['a character outside the unreserved set', `${'a'.repeat(42)}+`],
    ])('redirects invalid_request for a malformed challenge: %s', async (_what, challenge) => {
      expectErrorRedirect(await authorizeAnonymously(t, codeRequest(p, { code_challenge: challenge, code_challenge_method: 'plain' })), p.redirectUri, 'invalid_request');
    });

    it('accepts challenges of 43 and 128 characters', async () => {
      expectAccepted(await authorizeAnonymously(t, codeRequest(p, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })));
      expectAccepted(await authorizeAnonymously(t, codeRequest(p, { code_challenge: 'a'.repeat(128), code_challenge_method: 'plain' })));
    });

    it('redirects invalid_request for an unknown code_challenge_method', async () => {
      expectErrorRedirect(
        await authorizeAnonymously(t, codeRequest(p, { code_challenge: pkcePair().challenge, code_challenge_method: 'S512' })),
        p.redirectUri,
        'invalid_request',
      );
    });

    it('redirects invalid_request for code_challenge_method without code_challenge', async () => {
      expectErrorRedirect(await authorizeAnonymously(t, codeRequest(p, { code_challenge_method: 'S256' })), p.redirectUri, 'invalid_request');
    });

    it('lists S256 and plain in the metadata', async () => {
      expect((await discover(t)).code_challenge_methods_supported).toEqual(['S256', 'plain']);
    });

    describe('public client (token_endpoint_auth_method none)', () => {
      let pub: AdminProvisioned;
      beforeAll(async () => (pub = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'none' })));

      it('redirects invalid_request for an authorization request without code_challenge', async () => {
        expectErrorRedirect(await authorizeAnonymously(t, codeRequest(pub)), pub.redirectUri, 'invalid_request');
      });

      it('redeems its code with client_id in the body only', async () => {
        const { code, verifier } = await obtainCode(t, pub);
        const res = await postForm(`${t.url}/oauth/token`, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: pub.redirectUri,
          code_verifier: verifier,
          client_id: pub.clientId,
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          access_token: expect.any(String),
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: expect.any(String),
          scope: 'profile email',
        });
      });

      it('refuses its redemption without client_id with 401 invalid_client', async () => {
        const { code, verifier } = await obtainCode(t, pub);
        const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: pub.redirectUri, code_verifier: verifier });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual(ERROR_BODY('invalid_client'));
      });

      it('refuses its redemption with a wrong verifier with invalid_grant', async () => {
        const { code } = await obtainCode(t, pub);
        const res = await tokenRequest(t, pub, { grant_type: 'authorization_code', code, redirect_uri: pub.redirectUri, code_verifier: pkcePair().verifier });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
      });

      it('refuses its redemption without a verifier with invalid_grant', async () => {
        const { code } = await obtainCode(t, pub);
        const res = await tokenRequest(t, pub, { grant_type: 'authorization_code', code, redirect_uri: pub.redirectUri });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
      });
    });
  });

  describe('PKCE_REQUIRED=true', () => {
    let t: TestApp;
    let p: AdminProvisioned;
    beforeAll(async () => {
      t = await startApp(db, { PKCE_REQUIRED: 'true' });
      p = await provisionThroughAdmin(t);
    });
    afterAll(() => t.close());

    it('redirects invalid_request for a confidential client without code_challenge', async () => {
      expectErrorRedirect(await authorizeAnonymously(t, codeRequest(p)), p.redirectUri, 'invalid_request');
    });

    it('accepts a confidential client with an S256 challenge and redeems the code', async () => {
      const { code, verifier } = await obtainCode(t, p);
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
      expect(res.status).toBe(200);
    });
  });

  describe('default configuration (PKCE_ALLOW_PLAIN=false, RFC 9700 §2.1.1)', () => {
    let t: TestApp;
    let p: AdminProvisioned;
    beforeAll(async () => {
      t = await startApp(db);
      p = await provisionThroughAdmin(t);
    });
    afterAll(() => t.close());

    it('redirects invalid_request for code_challenge_method=plain', async () => {
      const pkce = pkcePair('plain');
      expectErrorRedirect(await authorizeAnonymously(t, codeRequest(p, { code_challenge: pkce.challenge, code_challenge_method: 'plain' })), p.redirectUri, 'invalid_request');
    });

    it('redirects invalid_request for a challenge without method (RFC 7636 §4.3 would default it to plain)', async () => {
      const res = await authorizeAnonymously(t, codeRequest(p, { code_challenge: pkcePair().challenge }));
      expectErrorRedirect(res, p.redirectUri, 'invalid_request');
      expect(new URL(res.headers.get('location')!).searchParams.get('error_description')).toBe('code_challenge_method is required (S256)');
    });

    it('still accepts S256', async () => {
      const { code, verifier } = await obtainCode(t, p, {}, new UserAgent(t.url));
      const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
      expect(res.status).toBe(200);
    });

    it('lists only S256 in the metadata', async () => {
      expect((await discover(t)).code_challenge_methods_supported).toEqual(['S256']);
    });
  });

});
