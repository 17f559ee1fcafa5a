import type { IncomingMessage, ServerResponse } from 'node:http';
import { esc, LoopbackApp } from './loopback-app';
import * as client from 'openid-client';

/**
 * A third-party web app that signs people in with OpenID Connect through openid-client, as a
 * developer would write it: /start → the provider → /callback (ID token checked, userinfo read) →
 * a page with "Sign out", which goes through the provider's end_session_endpoint to /signed-out.
 */
export class OidcApp extends LoopbackApp {
  private config: client.Configuration | null = null;
  private readonly pending = new Map<string, { verifier: string; nonce: string }>();
  private idToken: string | null = null;

  constructor(
    private readonly issuer: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    super();
  }

  get postLogoutRedirectUri(): string {
    return `${this.url}/signed-out`;
  }

  private async discovered(): Promise<client.Configuration> {
    this.config ??= await client.discovery(new URL(this.issuer), this.clientId, undefined, client.ClientSecretBasic(this.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    return this.config;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const config = await this.discovered();
    if (url.pathname === '/start') {
      const state = client.randomState();
      const verifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      this.pending.set(state, { verifier, nonce });
      const authorize = client.buildAuthorizationUrl(config, {
        redirect_uri: this.redirectUri,
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: authorize.href }).end();
      return;
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const checks = this.pending.get(state);
      if (!checks) return this.page(res, 400, 'Error', '<p id="error">unknown state</p>');
      this.pending.delete(state);
      const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: checks.verifier, expectedNonce: checks.nonce, expectedState: state });
      const claims = tokens.claims()!;
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      this.idToken = tokens.id_token!;
      return this.page(
        res,
        200,
        'Signed in',
        `<h1 id="hello">Hello, ${esc(String(info.name))}</h1><p id="sub">${esc(claims.sub)}</p><p id="email">${esc(String(info.email))}</p><a id="sign-out" href="/sign-out">Sign out</a>`,
      );
    }
    if (url.pathname === '/sign-out') {
      const logout = client.buildEndSessionUrl(config, { id_token_hint: this.idToken ?? '', post_logout_redirect_uri: this.postLogoutRedirectUri, state: 'left' });
      this.idToken = null;
      res.writeHead(302, { location: logout.href }).end();
      return;
    }
    if (url.pathname === '/signed-out') {
      return this.page(res, 200, 'Signed out', `<h1 id="bye">Signed out of the app</h1><p id="state">${esc(url.searchParams.get('state') ?? '')}</p>`);
    }
    this.page(res, 404, 'Not found', '<p>not found</p>');
  }

  protected page(res: ServerResponse, status: number, title: string, body: string): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>${esc(title)}</title>${body}`);
  }
}
