/**
 * Clients are cached in memory, and a change still takes effect at once: on the instance that made
 * it, and on every instance sharing Redis. Without Redis, another instance's change is seen after
 * CLIENT_CACHE_TTL seconds at the latest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientsService } from '../../src/clients/clients.service';
import { UsersService } from '../../src/users/users.service';
import { Db } from '../../src/database/db';
import { DATABASES, startAnotherInstance, startApp, TestApp } from '../support/start-app';
import { basic } from '../support/http';
import { postFormJson } from '../support/discovery';
import { clientFactory } from '../factories/client.factory';
import { adminRequest } from '../factories/admin-request';

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };
const UNKNOWN_CLIENT = { error: 'invalid_client', error_description: 'unknown client: no client has this client_id' };
let prefixes = 0;
const redisPrefix = () => `gh-test-${process.pid}-${Date.now()}-${prefixes++}:`;

/** A client_credentials client and a token request as it. */
async function serviceClient(t: TestApp) {
  const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [], scope: 'profile' });
  return { clientId: client.client_id, secret: secret! };
}
const tokenRequest = (t: TestApp, clientId: string, secret: string) =>
  postFormJson(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });

/** The checks every setup runs: `a` makes the changes, `b` must see them on its very next request. */
function changesTakeEffectAtOnce(instances: () => { a: TestApp; b: TestApp }) {
  it('refuses the old secret at once after a rotation, and accepts the new one', async () => {
    const { a, b } = instances();
    const { clientId, secret } = await serviceClient(a);
    expect((await tokenRequest(b, clientId, secret)).status).toBe(200); // cached on b now
    expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
    const rotated = await adminRequest(a, 'POST', `/admin/clients/${clientId}/secret`);
    expect(rotated.status).toBe(200);
    const old = await tokenRequest(b, clientId, secret);
    expect(old.status).toBe(401);
    expect(old.body).toEqual(INVALID_CLIENT);
    expect((await tokenRequest(b, clientId, rotated.body.client_secret)).status).toBe(200);
  });

  it('applies a metadata update at once', async () => {
    const { a, b } = instances();
    const { clientId, secret } = await serviceClient(a);
    expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
    const patched = await adminRequest(a, 'PATCH', `/admin/clients/${clientId}`, { grant_types: ['authorization_code'], redirect_uris: ['https://app.example.com/cb'] });
    expect(patched.status).toBe(200);
    const res = await tokenRequest(b, clientId, secret);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use the client_credentials grant' });
  });

  it('refuses a deleted client at once', async () => {
    const { a, b } = instances();
    const { clientId, secret } = await serviceClient(a);
    expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
    expect((await adminRequest(a, 'DELETE', `/admin/clients/${clientId}`)).status).toBe(204);
    const res = await tokenRequest(b, clientId, secret);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNKNOWN_CLIENT);
  });

  it("refuses a client at once when its owner is deleted (the client goes with the user)", async () => {
    const { a, b } = instances();
    const owner = await a.app.get(UsersService).create({ username: `owner${prefixes++}_${Date.now()}`, password: 'owner password 1' });
    const { client, secret } = await a.app.get(ClientsService).create(
      { client_name: 'Owned', grant_types: ['client_credentials'], redirect_uris: [], scope: 'profile' },
      owner.id,
    );
    expect((await tokenRequest(b, client.clientId, secret!)).status).toBe(200);
    expect((await adminRequest(a, 'DELETE', `/admin/users/${owner.id}`)).status).toBe(204);
    expect((await tokenRequest(b, client.clientId, secret!)).status).toBe(401);
  });
}

describe.each(DATABASES)('client cache (%s)', (_name, databaseUrl) => {
  describe('on one instance', () => {
    let t: TestApp;
    beforeAll(async () => (t = await startApp(databaseUrl, { CLIENT_CACHE_TTL: '3600' })));
    afterAll(() => t.close());

    it('serves a client from memory: a change made behind the server\'s back is not seen until the TTL ends', async () => {
      const { clientId, secret } = await serviceClient(t);
      expect((await tokenRequest(t, clientId, secret)).status).toBe(200);
      await t.app.get(Db).query('UPDATE oauth2_client SET client_secret_hash = ? WHERE client_id = ?', ['0'.repeat(64), clientId]);
      expect((await tokenRequest(t, clientId, secret)).status).toBe(200);
      t.clock.advance(3600);
      expect((await tokenRequest(t, clientId, secret)).status).toBe(401);
    });

    changesTakeEffectAtOnce(() => ({ a: t, b: t }));
  });

  describe('with CLIENT_CACHE_TTL=0', () => {
    let t: TestApp;
    beforeAll(async () => (t = await startApp(databaseUrl, { CLIENT_CACHE_TTL: '0' })));
    afterAll(() => t.close());

    it('reads the database on every request', async () => {
      const { clientId, secret } = await serviceClient(t);
      expect((await tokenRequest(t, clientId, secret)).status).toBe(200);
      await t.app.get(Db).query('UPDATE oauth2_client SET client_secret_hash = ? WHERE client_id = ?', ['0'.repeat(64), clientId]);
      expect((await tokenRequest(t, clientId, secret)).status).toBe(401);
    });
  });
});

/** Two instances on one database: MySQL when configured, else one SQLite file. */
const SHARED: Array<[string, () => { url: string; cleanup(): void }]> = [
  ['sqlite file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cache-'));
    return { url: `sqlite:${join(dir, 'db.sqlite')}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }],
  ...(process.env.TEST_MYSQL_URL ? [['mysql', () => ({ url: process.env.TEST_MYSQL_URL!, cleanup: () => undefined })] as [string, () => { url: string; cleanup(): void }]] : []),
];

describe.each(SHARED)('client cache on two instances (%s)', (_name, database) => {
  let db: { url: string; cleanup(): void };
  beforeAll(() => (db = database()));
  afterAll(() => db.cleanup());

  (process.env.TEST_REDIS_URL ? describe : describe.skip)('sharing Redis', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: redisPrefix(), CLIENT_CACHE_TTL: '3600' };
      a = await startApp(db.url, env);
      b = await startAnotherInstance(a, env);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    changesTakeEffectAtOnce(() => ({ a, b }));

    it('keeps instances of other deployments (another REDIS_PREFIX) out of it', async () => {
      const other = await startAnotherInstance(a, { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: redisPrefix(), CLIENT_CACHE_TTL: '3600' });
      try {
        const { clientId, secret } = await serviceClient(a);
        expect((await tokenRequest(other, clientId, secret)).status).toBe(200);
        expect((await adminRequest(a, 'POST', `/admin/clients/${clientId}/secret`)).status).toBe(200);
        // Not told: it serves its cached copy until its TTL ends.
        expect((await tokenRequest(other, clientId, secret)).status).toBe(200);
        other.clock.advance(3600);
        expect((await tokenRequest(other, clientId, secret)).status).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('without Redis', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      a = await startApp(db.url, { CLIENT_CACHE_TTL: '5' });
      b = await startAnotherInstance(a, { CLIENT_CACHE_TTL: '5' });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it("sees another instance's rotation once CLIENT_CACHE_TTL has passed, and not before", async () => {
      const { clientId, secret } = await serviceClient(a);
      expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
      expect((await adminRequest(a, 'POST', `/admin/clients/${clientId}/secret`)).status).toBe(200);
      expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
      b.clock.advance(4);
      expect((await tokenRequest(b, clientId, secret)).status).toBe(200);
      b.clock.advance(1);
      expect((await tokenRequest(b, clientId, secret)).status).toBe(401);
    });
  });
});
