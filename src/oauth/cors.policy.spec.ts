import { Test, TestingModule } from '@nestjs/testing';
import { TokensModule } from '../tokens/tokens.module';
import type { FastifyRequest } from 'fastify';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { ClientsModule } from '../clients/clients.module';
import { ClientsService } from '../clients/clients.service';
import { CorsPolicy } from './cors.policy';

const SPA = 'http://127.0.0.1:5555';

function request(method: string, url: string, headers: Record<string, string>, body?: Record<string, string>): FastifyRequest {
  return { method, url, headers, body } as unknown as FastifyRequest;
}

describe(CorsPolicy.name, () => {
  let moduleRef: TestingModule;
  let policy: CorsPolicy;
  let spaId: string;
  let confidential: { id: string; secret: string };

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config, new FixedClock(1_700_000_000)), DatabaseModule, ClientsModule, TokensModule],
      providers: [CorsPolicy],
    }).compile();
    await moduleRef.init();
    policy = moduleRef.get(CorsPolicy);
    const clients = moduleRef.get(ClientsService);
    spaId = (await clients.create({ client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: [`${SPA}/cb`] })).client.clientId;
    const made = await clients.create({ client_name: 'Web', redirect_uris: ['https://web.example.com/cb'] });
    confidential = { id: made.client.clientId, secret: made.secret! };
  });
  afterAll(() => moduleRef.close());

  const ALLOWED = (origin: string, methods: string) => ({
    origin,
    methods,
    allowedHeaders: 'Authorization, Content-Type',
    exposedHeaders: 'WWW-Authenticate',
    maxAge: 600,
  });

  it('allows a preflight from an origin some client allows, and refuses others', async () => {
    expect(await policy.options(request('OPTIONS', '/oauth/token', { origin: SPA }))).toEqual(ALLOWED(SPA, 'POST'));
    expect(await policy.options(request('OPTIONS', '/oauth/revoke?x=1', { origin: SPA }))).toEqual(ALLOWED(SPA, 'POST'));
    expect(await policy.options(request('OPTIONS', '/oauth/token', { origin: 'https://web.example.com' }))).toEqual({ origin: false });
  });

  it('allows the actual request only for the origins of the client it names (body or Basic)', async () => {
    expect(await policy.options(request('POST', '/oauth/token', { origin: SPA }, { client_id: spaId }))).toEqual(ALLOWED(SPA, 'POST'));
    const basic = `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString('base64')}`;
    expect(await policy.options(request('POST', '/oauth/token', { origin: SPA, authorization: basic }, { client_id: spaId }))).toEqual({ origin: false });
    expect(await policy.options(request('POST', '/oauth/token', { origin: SPA }, {}))).toEqual({ origin: false });
    expect(await policy.options(request('POST', '/oauth/token', { origin: SPA }, { client_id: 'unknown' }))).toEqual({ origin: false });
  });

  it('allows any origin on the metadata and none on unlisted paths or without Origin', async () => {
    expect(await policy.options(request('GET', '/.well-known/oauth-authorization-server', { origin: 'https://any.example' }))).toEqual(ALLOWED('https://any.example', 'GET, HEAD'));
    for (const path of ['/oauth/introspect', '/oauth/authorize', '/admin/clients', '/login']) {
      expect(await policy.options(request('OPTIONS', path, { origin: SPA }))).toEqual({ origin: false });
    }
    expect(await policy.options(request('POST', '/oauth/token', {}, { client_id: spaId }))).toEqual({ origin: false });
  });
});
