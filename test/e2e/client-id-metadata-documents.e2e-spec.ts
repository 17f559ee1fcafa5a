/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): an URL as client_id,
 * fetched under the outbound rules, a public client held to the self-registration rules; any
 * failure is the error page (400), never a redirect.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ClientsService } from '../../src/clients/clients.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { authorize, discover, pkcePair } from '../support/oauth-flow';
import { userFactory } from '../factories/user.factory';
import { postForm } from '../support/http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A client's web server: each path answers as the test says, and counts its hits. */
class DocumentHost {
  readonly routes = new Map<string, Handler>();
  readonly hits = new Map<string, number>();
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.hits.set(req.url!, (this.hits.get(req.url!) ?? 0) + 1);
      const handler = this.routes.get(req.url!);
      if (handler) handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Serves a document at `path` whose client_id is its own URL (unless `doc` says otherwise). */
  document(path: string, doc: Record<string, unknown> = {}, headers: Record<string, string> = {}): string {
    const url = `${this.base}${path}`;
    this.routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ client_id: url, client_name: 'Doc Agent', redirect_uris: ['http://127.0.0.1:40001/cb'], ...doc }));
    });
    return url;
  }
}

describe.each(DATABASES)('Client ID Metadata Documents (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  const host = new DocumentHost();
  beforeAll(async () => {
    await host.start();
    t = await startApp(databaseUrl, { CLIENT_ID_METADATA_ALLOW_LOOPBACK: 'true' });
  });
  afterAll(async () => {
    await t.close();
    await host.close();
  });

  /** The authorization request's first answer, for a signed-out browser. */
  const start = (clientId: string, extra: Record<string, string> = {}) => {
    const pkce = pkcePair();
    return new UserAgent(t.url).get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:40001/cb', state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra })}`);
  };

  it('advertises client_id_metadata_document_supported', async () => {
    expect((await discover(t)).client_id_metadata_document_supported).toBe(true);
  });

  it('runs code + PKCE for a client named by its document, as an unvetted public client', async () => {
    const url = host.document('/good.json', { client_uri: 'https://agent.example', scope: 'profile' });
    const { user, password } = await userFactory.create(t);
    const pkce = pkcePair();
    const callback = await authorize(new UserAgent(t.url), { response_type: 'code', client_id: url, redirect_uri: 'http://127.0.0.1:40001/cb', state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256', scope: 'profile' }, { username: user.username, password });
    const code = callback.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const token = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:40001/cb', code_verifier: pkce.verifier, client_id: url });
    expect(token.status).toBe(200);
    const stored = await t.app.get(ClientsService).findByClientId(url);
    expect(stored).toMatchObject({ clientId: url, vetted: false, clientSecretHash: null, metadata: { client_name: 'Doc Agent', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] } });
  });

  it.each([
    ['a client_id other than its URL', '/other-id.json', (url: string) => host.document('/other-id.json', { client_id: `${url}x` }), 'client_id other than its URL'],
    ['a confidential auth method', '/secret.json', () => host.document('/secret.json', { token_endpoint_auth_method: 'client_secret_basic' }), 'public client'],
    ['a grant self-registered clients may not have', '/cc.json', () => host.document('/cc.json', { grant_types: ['client_credentials'] }), 'grant_types'],
    ['a redirect URI that may not be registered', '/bad-redirect.json', () => host.document('/bad-redirect.json', { redirect_uris: ['http://evil.example/cb'] }), 'redirect_uris'],
    ['a body that is not JSON', '/not-json.json', (url: string) => (host.routes.set('/not-json.json', (_q, r) => r.writeHead(200).end('<html>')), url), 'not JSON'],
    ['a redirect', '/moved.json', (url: string) => (host.routes.set('/moved.json', (_q, r) => r.writeHead(302, { location: `${host.base}/good.json` }).end()), url), 'redirect (302)'],
    ['a 404', '/missing.json', (url: string) => url, 'answered 404'],
    ['more than 5 KB', '/big.json', () => host.document('/big.json', { client_name: 'x'.repeat(6000) }), 'larger than 5120 bytes'],
  ])('shows the error page (400), never a redirect, for %s', async (_what, path, serve, reason) => {
    const url = serve(`${host.base}${path}`);
    const res = await start(url);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain(reason);
    expect(await t.app.get(ClientsService).findByClientId(url)).toBeNull();
  });

  it('shows the error page for a redirect_uri the document does not list', async () => {
    const url = host.document('/good2.json');
    const res = await start(url, { redirect_uri: 'http://127.0.0.1:40001/other' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('refuses a URL without a path, or with a fragment, without fetching it', async () => {
    for (const url of [`${host.base}/`, `${host.base}/doc.json#x`]) {
      expect((await start(url)).status).toBe(400);
    }
    expect(host.hits.get('/')).toBeUndefined();
  });

  it('reuses a document while its Cache-Control max-age lasts, and fetches it again after', async () => {
    const url = host.document('/cached.json', {}, { 'cache-control': 'max-age=120' });
    expect((await start(url)).status).toBe(302);
    expect((await start(url)).status).toBe(302);
    expect(host.hits.get('/cached.json')).toBe(1);
    host.document('/cached.json', { client_name: 'Renamed Agent' }, { 'cache-control': 'max-age=120' });
    t.clock.advance(121);
    expect((await start(url)).status).toBe(302);
    expect(host.hits.get('/cached.json')).toBe(2);
    expect((await t.app.get(ClientsService).findByClientId(url))!.metadata.client_name).toBe('Renamed Agent');
  });

  it('fetches a no-store document on every authorization request', async () => {
    const url = host.document('/nostore.json', {}, { 'cache-control': 'no-store' });
    await start(url);
    await start(url);
    expect(host.hits.get('/nostore.json')).toBe(2);
  });
});

describe('Client ID Metadata Documents: the outbound rules', () => {
  let t: TestApp;
  const host = new DocumentHost();
  beforeAll(async () => {
    await host.start();
    t = await startApp('sqlite::memory:');
  });
  afterAll(async () => {
    await t.close();
    await host.close();
  });

  it.each([
    ['loopback over http without CLIENT_ID_METADATA_ALLOW_LOOPBACK', () => host.document('/loop.json')],
    ['a private address', () => 'https://10.1.2.3/client.json'],
    ['a link-local address', () => 'https://169.254.169.254/latest/meta-data'],
    ['an IPv6 loopback', () => 'https://[::1]/client.json'],
    ['a URL longer than 64 characters', () => `https://agent.example/${'a'.repeat(60)}`],
  ])('refuses %s with the error page', async (_what, url) => {
    const res = await new UserAgent(t.url).get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: url(), redirect_uri: 'http://127.0.0.1:40001/cb' })}`);
    expect(res.status).toBe(400);
    expect(host.hits.size).toBe(0);
  });
});

describe('Client ID Metadata Documents: the registration limits', () => {
  let t: TestApp;
  const host = new DocumentHost();
  beforeAll(async () => {
    await host.start();
    t = await startApp('sqlite::memory:', { CLIENT_ID_METADATA_ALLOW_LOOPBACK: 'true', THROTTLE_ENABLED: 'true', REGISTRATION_RATE_LIMIT: '2', REGISTRATION_MAX_CLIENTS: '3' });
  });
  afterAll(async () => {
    await t.close();
    await host.close();
  });
  const start = (clientId: string) =>
    new UserAgent(t.url).get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:40001/cb', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);

  it('counts a new document against the per-IP limit (before fetching it), not a known one', async () => {
    const first = host.document('/a.json', {}, { 'cache-control': 'no-store' });
    expect((await start(first)).status).toBe(302);
    expect((await start(host.document('/b.json'))).status).toBe(302);
    // Known documents are fetched again as their headers say, without counting.
    expect((await start(first)).status).toBe(302);
    const third = host.document('/c.json');
    const refused = await start(third);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3600');
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('too many new clients from this address');
    expect(host.hits.get('/c.json')).toBeUndefined();
  });
});

describe('CLIENT_ID_METADATA_DOCUMENTS=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite::memory:', { CLIENT_ID_METADATA_DOCUMENTS: 'false' });
  });
  afterAll(() => t.close());

  it('is not advertised, and a URL client_id is an unknown client', async () => {
    expect(await discover(t)).not.toHaveProperty('client_id_metadata_document_supported');
    const res = await new UserAgent(t.url).get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'https://agent.example/client.json', redirect_uri: 'http://127.0.0.1:40001/cb' })}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('unknown client_id');
  });
});
