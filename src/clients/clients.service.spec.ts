import { Test, TestingModule } from '@nestjs/testing';
import { FixedClock } from '../common/clock';
import { sha256 } from '../common/crypto';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { ClientMetadataError, ClientMetadataInput } from './client-metadata';
import { ClientsModule } from './clients.module';
import { ClientsService, newClientId, PublicClientHasNoSecretError } from './clients.service';

const metadata: ClientMetadataInput = {
  client_name: 'App',
  redirect_uris: ['https://app.example.com/cb'],
  grant_types: ['authorization_code', 'refresh_token'],
  scope: 'profile email',
};

describe(ClientsService.name, () => {
  let moduleRef: TestingModule;
  let clients: ClientsService;
  let clock: FixedClock;

  async function build(env: Record<string, string> = {}): Promise<void> {
    clock = new FixedClock(1_700_000_000);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', ...env });
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config, clock), DatabaseModule, ClientsModule] }).compile();
    await moduleRef.init();
    clients = moduleRef.get(ClientsService);
  }
  beforeEach(() => build());
  afterEach(() => moduleRef.close());

  describe('create', () => {
    it('registers a confidential client: a random client_id and a secret stored as its SHA-256 digest', async () => {
      const { client, secret } = await clients.create(metadata);
      expect(client.clientId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(client.clientSecretHash).toBe(sha256(secret!));
      expect(client).toMatchObject({ clientIdIssuedAt: 1_700_000_000, clientSecretExpiresAt: 0, userId: null });
      expect(client.metadata).toEqual({
        client_name: 'App',
        scope: 'profile email',
        redirect_uris: ['https://app.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        skip_consent: false,
        introspection: false,
        allowed_cors_origins: [],
        post_logout_redirect_uris: [],
        access_token_format: 'opaque',
        id_token_signed_response_alg: 'RS256',
      });
      expect(await clients.findByClientId(client.clientId)).toEqual(client);
    });

    it('registers a public client without a secret', async () => {
      const { client, secret } = await clients.create({ ...metadata, token_endpoint_auth_method: 'none' });
      expect(secret).toBeNull();
      expect(client.clientSecretHash).toBeNull();
    });

    it('gives every client its own id', async () => {
      const a = await clients.create(metadata);
      const b = await clients.create(metadata);
      expect(a.client.clientId).not.toBe(b.client.clientId);
    });

    it('throws ClientMetadataError naming the bad fields and stores nothing', async () => {
      await expect(clients.create({ ...metadata, redirect_uris: ['http://app.example.com/cb'] })).rejects.toEqual(
        new ClientMetadataError({ redirect_uris: '"http://app.example.com/cb" must use https (http only on a loopback host)' }),
      );
      expect((await clients.list({}, 10, 0))[1]).toBe(0);
    });

    it('refuses loopback http redirect URIs when ALLOW_HTTP_LOOPBACK_REDIRECTS=false', async () => {
      await moduleRef.close();
      await build({ ALLOW_HTTP_LOOPBACK_REDIRECTS: 'false' });
      await expect(clients.create({ ...metadata, redirect_uris: ['http://127.0.0.1/cb'] })).rejects.toBeInstanceOf(ClientMetadataError);
    });
  });

  describe('list', () => {
    it('pages in id order and counts all', async () => {
      for (const name of ['a', 'b', 'c']) await clients.create({ ...metadata, client_name: name });
      const [page, total] = await clients.list({}, 2, 1);
      expect(page.map((c) => c.metadata.client_name)).toEqual(['b', 'c']);
      expect(total).toBe(3);
    });
  });

  describe('update', () => {
    it('replaces the given fields, keeps the rest and keeps the secret', async () => {
      const { client, secret } = await clients.create(metadata);
      const updated = await clients.update(client.clientId, { client_name: 'Renamed', skip_consent: true });
      expect(updated!.secret).toBeNull();
      expect(updated!.client.metadata).toMatchObject({ client_name: 'Renamed', skip_consent: true, scope: 'profile email' });
      expect((await clients.findByClientId(client.clientId))!.metadata.client_name).toBe('Renamed');
      expect(await clients.authenticate(client.clientId, secret!)).not.toBeNull();
    });

    it('re-derives response_types when only grant_types change', async () => {
      const { client } = await clients.create(metadata);
      const updated = await clients.update(client.clientId, { grant_types: ['client_credentials'] });
      expect(updated!.client.metadata).toMatchObject({ grant_types: ['client_credentials'], response_types: [] });
    });

    it('issues a secret when a public client turns confidential, and drops it the other way', async () => {
      const { client } = await clients.create({ ...metadata, token_endpoint_auth_method: 'none' });
      const confidential = await clients.update(client.clientId, { token_endpoint_auth_method: 'client_secret_post' });
      expect(confidential!.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await clients.findByClientId(client.clientId))!.clientSecretHash).toBe(sha256(confidential!.secret!));
      const pub = await clients.update(client.clientId, { token_endpoint_auth_method: 'none' });
      expect(pub!.secret).toBeNull();
      expect((await clients.findByClientId(client.clientId))!.clientSecretHash).toBeNull();
    });

    it('throws ClientMetadataError and changes nothing when the result is invalid', async () => {
      const { client } = await clients.create(metadata);
      await expect(clients.update(client.clientId, { scope: 'admin' })).rejects.toBeInstanceOf(ClientMetadataError);
      expect((await clients.findByClientId(client.clientId))!.metadata.scope).toBe('profile email');
    });

    it('answers null for an unknown client', async () => {
      expect(await clients.update('nope', { client_name: 'x' })).toBeNull();
    });
  });

  describe('newClientId', () => {
    it('draws again until the first character is a letter or digit, so no command line reads the id as an option', () => {
      const draws = ['-starts-with-dash', '_starts-with-underscore', 'A-fine-id'];
      expect(newClientId(() => draws.shift()!)).toBe('A-fine-id');
      expect(draws).toEqual([]);
    });

    it('gives 32 base64url characters by default', () => {
      expect(newClientId()).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
    });
  });

  describe('rotateSecret', () => {
    it('replaces the secret: the old one fails, the new one works', async () => {
      const { client, secret } = await clients.create(metadata);
      const rotated = await clients.rotateSecret(client.clientId);
      expect(rotated!.secret).not.toBe(secret);
      expect(rotated!.client.clientSecretHash).toBe(sha256(rotated!.secret!));
      expect(await clients.authenticate(client.clientId, secret!)).toBeNull();
      expect(await clients.authenticate(client.clientId, rotated!.secret!)).toMatchObject({ clientId: client.clientId });
    });

    it('refuses a public client with PublicClientHasNoSecretError', async () => {
      const { client } = await clients.create({ ...metadata, token_endpoint_auth_method: 'none' });
      await expect(clients.rotateSecret(client.clientId)).rejects.toThrow(PublicClientHasNoSecretError);
    });

    it('answers null for an unknown client', async () => {
      expect(await clients.rotateSecret('nope')).toBeNull();
    });
  });

  describe('authenticate', () => {
    it('answers the client for the right secret and null otherwise', async () => {
      const { client, secret } = await clients.create(metadata);
      expect((await clients.authenticate(client.clientId, secret!))!.clientId).toBe(client.clientId);
      expect(await clients.authenticate(client.clientId, `${secret}x`)).toBeNull();
      expect(await clients.authenticate(client.clientId, '')).toBeNull();
      expect(await clients.authenticate('nope', secret!)).toBeNull();
    });

    it('never authenticates a public client', async () => {
      const { client } = await clients.create({ ...metadata, token_endpoint_auth_method: 'none' });
      expect(await clients.authenticate(client.clientId, '')).toBeNull();
    });
  });

  describe('delete', () => {
    it('deletes the client and answers false the second time', async () => {
      const { client } = await clients.create(metadata);
      expect(await clients.delete(client.clientId)).toBe(true);
      expect(await clients.findByClientId(client.clientId)).toBeNull();
      expect(await clients.delete(client.clientId)).toBe(false);
    });
  });
  describe('someClientAllowsOrigin', () => {
    it("finds a public client's redirect URI origin and any client's explicit origins, exactly", async () => {
      await clients.create({ client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:5555/cb', 'com.example.app:/cb'] });
      await clients.create({ ...metadata, allowed_cors_origins: ['https://bff.example.com'] });
      await clients.create({ ...metadata, redirect_uris: ['https://confidential.example.com/cb'] });
      const allowed = async (origin: string) => clients.someClientAllowsOrigin(origin);
      expect(await allowed('http://127.0.0.1:5555')).toBe(true);
      expect(await allowed('https://bff.example.com')).toBe(true);
      // Look-alikes the LIKE query also finds are filtered out.
      expect(await allowed('http://127.0.0.1:555')).toBe(false);
      expect(await allowed('https://bff.example.co')).toBe(false);
      expect(await allowed('HTTPS://BFF.EXAMPLE.COM')).toBe(false);
      // A confidential client's redirect URIs are not origins by default.
      expect(await allowed('https://confidential.example.com')).toBe(false);
      expect(await allowed('https://app.example.com')).toBe(false);
      // LIKE wildcards in the origin are literal.
      expect(await allowed('%')).toBe(false);
      expect(await allowed('http://127.0.0.1:5_55')).toBe(false);
    });
  });
});
