import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { esc, LoopbackApp } from './loopback-app';

/** Where the third-party app finds the server (from its RFC 8414 metadata). */
export interface ServerEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  profile_endpoint: string;
}

/**
 * A third-party web app on its own loopback port, as a developer would write one: /start builds
 * the PKCE authorization URL and redirects, /callback exchanges the code with the client's id and
 * secret and shows /api/profile, /profile calls the API again with the token it holds.
 */
export class ThirdPartyApp extends LoopbackApp {
  clientId = '';
  clientSecret = '';
  private readonly pending = new Map<string, string>();
  private accessToken: string | null = null;

  constructor(private readonly endpoints: ServerEndpoints) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/start') {
      // ?state_length=N pads the state to N characters (the server accepts up to 2048).
      const length = Number(url.searchParams.get('state_length') ?? 0);
      const random = randomBytes(16).toString('base64url');
      const state = length > random.length ? random + 's'.repeat(length - random.length) : random;
      const verifier = randomBytes(32).toString('base64url');
      this.pending.set(state, verifier);
      const authorize = new URL(this.endpoints.authorization_endpoint);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: this.clientId,
        redirect_uri: this.redirectUri,
        scope: url.searchParams.get('scope') ?? 'profile',
        state,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      res.writeHead(302, { location: authorize.toString() }).end();
      return;
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const verifier = this.pending.get(state);
      if (!verifier) return this.page(res, 400, 'Unknown state', '<p id="error">unknown state</p>');
      this.pending.delete(state);
      const error = url.searchParams.get('error');
      if (error) return this.page(res, 200, 'Not authorized', `<h1>Not authorized</h1><p>The server answered <code id="error">${esc(error)}</code>.</p>`);
      const token = await fetch(this.endpoints.token_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.clientSecret)}`).toString('base64'),
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: url.searchParams.get('code') ?? '', redirect_uri: this.redirectUri, code_verifier: verifier }),
      });
      const tokenBody = (await token.json()) as { access_token?: string; error?: string };
      if (!tokenBody.access_token) return this.page(res, 200, 'Token error', `<p id="error">${esc(tokenBody.error ?? String(token.status))}</p>`);
      this.accessToken = tokenBody.access_token;
      return this.showProfile(res);
    }
    if (url.pathname === '/profile') return this.showProfile(res);
    this.page(res, 404, 'Not found', '<p>not found</p>');
  }

  private async showProfile(res: ServerResponse): Promise<void> {
    const api = await fetch(this.endpoints.profile_endpoint, { headers: { authorization: `Bearer ${this.accessToken ?? ''}` } });
    const text = await api.text();
    this.page(
      res,
      200,
      'Your profile',
      `<h1>Hello from the third-party app</h1><p>GET /api/profile answered <strong id="status">${api.status}</strong></p><pre id="profile">${esc(text)}</pre>`,
    );
  }

  protected page(res: ServerResponse, status: number, title: string, body: string): void {
    res
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html><head><title>${esc(title)} · Third-party app</title></head><body style="font:16px system-ui;margin:2rem">${body}</body></html>`);
  }
}
