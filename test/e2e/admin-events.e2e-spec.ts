import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('GET /admin/events (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let clientId: string;
  let secret: string;
  let userId: number;
  let startedAt: number;

  beforeAll(async () => {
    t = await startApp(databaseUrl);
    startedAt = t.clock.now();
    // A refused admin call, a user, a client, a token: four kinds of event.
    expect((await fetch(`${t.url}/admin/users`, { headers: { authorization: 'Bearer not-the-admin-key-at-all' } })).status).toBe(401);
    userId = (await userFactory.create(t)).user.id;
    const created = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    clientId = created.client.client_id;
    secret = created.secret!;
    t.clock.advance(100);
    const token = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });
    expect(token.status).toBe(200);
  });
  afterAll(() => t.close());

  it('lists every event newest first with its type, time, user, client, IP and detail', async () => {
    const res = await adminRequest(t, 'GET', '/admin/events');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.total).toBe(4);
    expect(res.body.data).toEqual([
      { id: expect.any(Number), type: 'token.issued', occurred_at: startedAt + 100, user_id: null, client_id: clientId, ip: '127.0.0.1', detail: { grant_type: 'client_credentials', scope: 'profile email', with_refresh_token: false } },
      { id: expect.any(Number), type: 'client.created', occurred_at: startedAt, user_id: null, client_id: clientId, ip: '127.0.0.1', detail: null },
      { id: expect.any(Number), type: 'user.created', occurred_at: startedAt, user_id: userId, client_id: null, ip: '127.0.0.1', detail: null },
      { id: expect.any(Number), type: 'admin.authentication_failed', occurred_at: startedAt, user_id: null, client_id: null, ip: '127.0.0.1', detail: { reason: 'wrong key', method: 'GET', route: '/admin/users' } },
    ]);
  });

  it('filters by type, client_id, user_id and since, and pages with limit and offset', async () => {
    const types = async (query: string) => {
      const res = await adminRequest(t, 'GET', `/admin/events?${query}`);
      expect(res.status).toBe(200);
      return { types: res.body.data.map((e: { type: string }) => e.type), total: res.body.total };
    };
    expect(await types('type=user.created')).toEqual({ types: ['user.created'], total: 1 });
    expect(await types(`client_id=${clientId}`)).toEqual({ types: ['token.issued', 'client.created'], total: 2 });
    expect(await types(`user_id=${userId}`)).toEqual({ types: ['user.created'], total: 1 });
    expect(await types(`since=${startedAt + 1}`)).toEqual({ types: ['token.issued'], total: 1 });
    expect(await types(`since=${new Date((startedAt + 1) * 1000).toISOString()}`)).toEqual({ types: ['token.issued'], total: 1 });
    expect(await types(`type=token.issued&client_id=${clientId}&since=${startedAt}`)).toEqual({ types: ['token.issued'], total: 1 });
    expect(await types('limit=2&offset=1')).toEqual({ types: ['client.created', 'user.created'], total: 4 });
    expect(await types('client_id=unknown')).toEqual({ types: [], total: 0 });
  });

  it.each([
    ['type=nonsense', 'type', expect.stringContaining('must be one of the following values')],
    ['since=yesterday', 'since', 'must be epoch seconds or an ISO 8601 date-time'],
    ['user_id=0', 'user_id', 'must not be less than 1'],
    ['limit=500', 'limit', 'must not be greater than 200'],
  ])('answers 400 for ?%s naming the field', async (query, field, reason) => {
    const res = await adminRequest(t, 'GET', `/admin/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ [field]: reason });
  });

  it('needs the admin key', async () => {
    const res = await fetch(`${t.url}/admin/events`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin"');
  });

  it('is documented in Swagger', async () => {
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as { paths: Record<string, Record<string, { parameters: Array<{ name: string }> }>> };
    expect(doc.paths['/admin/events'].get.parameters.map((p) => p.name).sort()).toEqual(['client_id', 'limit', 'offset', 'since', 'type', 'user_id']);
  });

  it('records admin changes and revocations as they happen', async () => {
    const patched = await adminRequest(t, 'PATCH', `/admin/clients/${clientId}`, { client_name: 'Renamed' });
    expect(patched.status).toBe(200);
    expect((await adminRequest(t, 'POST', `/admin/clients/${clientId}/secret`)).status).toBe(200);
    expect((await adminRequest(t, 'PATCH', `/admin/users/${userId}`, { email: 'new@example.com' })).status).toBe(200);
    const listed = await adminRequest(t, 'GET', `/admin/tokens?client_id=${clientId}`);
    expect((await adminRequest(t, 'DELETE', `/admin/tokens/${listed.body.data[0].id}`)).status).toBe(204);
    expect((await adminRequest(t, 'DELETE', `/admin/users/${userId}`)).status).toBe(204);
    expect((await adminRequest(t, 'DELETE', `/admin/clients/${clientId}`)).status).toBe(204);
    const res = await adminRequest(t, 'GET', '/admin/events?limit=6');
    expect(res.body.data.map((e: { type: string; detail: unknown }) => [e.type, e.detail])).toEqual([
      ['client.deleted', null],
      ['user.deleted', null],
      ['token.revoked', { token_id: listed.body.data[0].id, by: 'admin' }],
      ['user.changed', { fields: 'email' }],
      ['client.secret_rotated', null],
      ['client.changed', { fields: 'client_name' }],
    ]);
    expect(res.body.data.map((e: { ip: string | null }) => e.ip)).toEqual(Array(6).fill('127.0.0.1'));
  });
});
