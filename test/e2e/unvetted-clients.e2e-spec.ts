/**
 * Clients the operator has not vetted (registered by a console user): anyone can register one with
 * any https redirect URI, so the authorization endpoint must not become an open redirector for
 * them (RFC 9700 §4.11.2). Before, `/oauth/authorize?client_id=X&response_type=bogus` sent anyone,
 * signed in or not, to `https://evil.example/...`. Now a malformed request shows the error page;
 * the consent page warns and names the redirect host; the operator can vet the client.
 */
import { ClientsService } from '../../src/clients/clients.service';
import { UsersService } from '../../src/users/users.service';
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent, parseForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { pkcePair, signIn } from '../support/oauth-flow';

const EVIL = 'https://evil.example/collect';

/** Malformed requests a stranger can craft: each is refused before any user acts. */
const MALFORMED: Array<[string, Record<string, string>]> = [
  ['response_type=bogus', { response_type: 'bogus' }],
  ['no response_type', {}],
  ['an unknown scope', { response_type: 'code', scope: 'admin' }],
  ['no PKCE for a public client', { response_type: 'code', state: 'x' }],
  ['a bad prompt', { response_type: 'code', scope: 'openid', prompt: 'bogus' }],
];

describe.each(DATABASES)('clients the operator has not vetted (%s)', (_name, db) => {
  let t: TestApp;
  let events: AuditEvent[];
  let owner: { id: number; username: string };
  beforeAll(async () => {
    t = await startApp(db);
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
    const user = await t.app.get(UsersService).create({ username: 'console-dev', password: 'console password 1' });
    owner = { id: user.id, username: user.username };
  });
  afterAll(() => t.close());

  /** A public client with EVIL as its one redirect URI: a console user's (unvetted) or the operator's. */
  async function evilClient(ownerId: number | null) {
    const { client } = await t.app.get(ClientsService).create(
      { client_name: 'Totally Legit', client_uri: 'https://legit.example', redirect_uris: [EVIL], grant_types: ['authorization_code'], scope: 'openid profile', token_endpoint_auth_method: 'none' },
      ownerId,
    );
    return client.clientId;
  }

  const authorizeUrl = (clientId: string, params: Record<string, string>) => `/oauth/authorize?${new URLSearchParams({ client_id: clientId, ...params })}`;

  it.each(MALFORMED)('a console client: %s gets the error page (400), no redirect', async (_case, params) => {
    const clientId = await evilClient(owner.id);
    const res = await new UserAgent(t.url).get(authorizeUrl(clientId, params));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).not.toContain('evil.example');
  });

  it.each(MALFORMED)("the operator's client: %s is redirected to it, as before", async (_case, params) => {
    const clientId = await evilClient(null);
    const res = await new UserAgent(t.url).get(authorizeUrl(clientId, params));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(EVIL);
    expect(location.searchParams.get('error')).toBeTruthy();
  });

  it('the consent page says the operator has not reviewed the app and names its redirect host; not for a vetted one', async () => {
    const clientId = await evilClient(owner.id);
    const agent = new UserAgent(t.url);
    await signIn(agent, { username: 'console-dev', password: 'console password 1' });
    const pkce = pkcePair();
    const request = { response_type: 'code', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 's' };
    const page = await (await agent.get(authorizeUrl(clientId, request))).text();
    expect(parseForm(page).buttons.decision).toEqual(['deny', 'approve']);
    expect(page).toContain('The operator of this server has not reviewed this app');
    expect(page).toMatch(/you will be sent to <strong>evil\.example<\/strong>/);

    const vetted = await adminRequest(t, 'POST', `/admin/clients/${clientId}/vet`);
    expect(vetted.status).toBe(200);
    expect(vetted.body).toMatchObject({ client_id: clientId, vetted: true, user_id: owner.id });
    expect(events).toContainEqual(expect.objectContaining({ type: 'client.vetted', clientId }));
    const again = await (await agent.get(authorizeUrl(clientId, request))).text();
    expect(again).not.toContain('has not reviewed');
  });

  it('once vetted (POST /admin/clients/:client_id/vet), a malformed request is redirected as for the operator\'s own', async () => {
    const clientId = await evilClient(owner.id);
    expect((await adminRequest(t, 'GET', `/admin/clients/${clientId}`)).body.vetted).toBe(false);
    expect((await new UserAgent(t.url).get(authorizeUrl(clientId, { response_type: 'bogus' }))).status).toBe(400);
    expect((await adminRequest(t, 'POST', `/admin/clients/${clientId}/vet`)).status).toBe(200);
    expect((await adminRequest(t, 'GET', `/admin/clients/${clientId}`)).body.vetted).toBe(true);
    const res = await new UserAgent(t.url).get(authorizeUrl(clientId, { response_type: 'bogus' }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^https:\/\/evil\.example\/collect\?error=unsupported_response_type/);
  });

  it('vetting an unknown client is 404; without the admin key 401', async () => {
    expect((await adminRequest(t, 'POST', '/admin/clients/no-such-client/vet')).status).toBe(404);
    const res = await fetch(`${t.url}/admin/clients/x/vet`, { method: 'POST' });
    expect(res.status).toBe(401);
  });
});
