/**
 * A new password (admin API; the CLI has its own suite) ends the user's sessions and revokes their
 * access and refresh tokens at every client: whoever learnt the old password and took tokens with
 * it keeps nothing. Before, the tokens kept working until they expired.
 */
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { getProfile, obtainTokens, provision, tokenRequest } from '../support/oauth-flow';
import { ClientsService } from '../../src/clients/clients.service';

describe.each(DATABASES)('a password change (%s)', (_name, db) => {
  let t: TestApp;
  let events: AuditEvent[];
  beforeAll(async () => {
    t = await startApp(db);
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
  });
  afterAll(() => t.close());

  it("revokes the user's access and refresh tokens at every client, and says so in the audit event", async () => {
    const p = await provision(t, { grant_types: ['authorization_code', 'refresh_token'] });
    const first = await obtainTokens(t, p);
    const second = await obtainTokens(t, p);
    // The same user at a second client.
    const { client, secret } = await t.app.get(ClientsService).create({ client_name: 'Second', redirect_uris: ['http://127.0.0.1:9/second'], grant_types: ['authorization_code', 'refresh_token'], scope: 'profile', token_endpoint_auth_method: 'client_secret_basic' });
    const q = { ...p, clientId: client.clientId, secret, redirectUri: 'http://127.0.0.1:9/second' };
    const third = await obtainTokens(t, q);
    // Someone else's tokens stay.
    const bystander = await provision(t);
    const theirs = await obtainTokens(t, bystander);
    for (const tokens of [first, second, third]) expect((await getProfile(t, tokens.access_token)).status).toBe(200);

    events.length = 0;
    const res = await adminRequest(t, 'PATCH', `/admin/users/${p.userId}`, { password: 'a brand new password' });
    expect(res.status).toBe(200);

    for (const tokens of [first, second, third]) {
      expect((await getProfile(t, tokens.access_token)).status).toBe(401);
    }
    for (const [who, tokens] of [[p, first], [p, second], [q, third]] as const) {
      const refreshed = await tokenRequest(t, who, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(refreshed.status).toBe(400);
      expect(refreshed.body.error).toBe('invalid_grant');
    }
    expect((await getProfile(t, theirs.access_token)).status).toBe(200);
    const changed = events.find((e) => e.type === 'user.changed');
    expect(changed).toMatchObject({ userId: p.userId, detail: { fields: 'password', tokens_revoked: 3 } });
    expect(JSON.stringify(changed)).not.toContain('a brand new password');
  });

  it('changing only the email keeps the tokens', async () => {
    const p = await provision(t);
    const tokens = await obtainTokens(t, p);
    expect((await adminRequest(t, 'PATCH', `/admin/users/${p.userId}`, { email: 'changed@example.com' })).status).toBe(200);
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    expect((await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(200);
  });
});
