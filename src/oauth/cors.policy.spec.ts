import { Test, TestingModule } from '@nestjs/testing';
import { TokensModule } from '../tokens/tokens.module';
import type { FastifyRequest } from 'fastify';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { ClientsModule } from '../clients/clients.module';
import { ClientsService } from '../clients/clients.service';
import { CORS_ROUTES, CorsPolicy } from './cors.policy';

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

  /** What the policy answers for a request on `path` from `origin`. */
  const allows = (method: string, path: string, origin: string, headers: Record<string, string> = {}, body?: Record<string, string>) =>
    policy.allows(request(method, path, { origin, ...headers }, body), origin, CORS_ROUTES[path]);

  it('allows a preflight from an origin some client allows, and refuses others', async () => {
    expect(await allows('OPTIONS', '/oauth/token', SPA)).toBe(true);
    expect(await allows('OPTIONS', '/oauth/revoke', SPA)).toBe(true);
    expect(await allows('OPTIONS', '/oauth/token', 'https://web.example.com')).toBe(false);
  });

  it('allows the actual request only for the origins of the client it names (body or Basic)', async () => {
    expect(await allows('POST', '/oauth/token', SPA, {}, { client_id: spaId })).toBe(true);
    const basic = `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString('base64')}`;
    expect(await allows('POST', '/oauth/token', SPA, { authorization: basic }, { client_id: spaId })).toBe(false);
    expect(await allows('POST', '/oauth/token', SPA, {}, {})).toBe(false);
    expect(await allows('POST', '/oauth/token', SPA, {}, { client_id: 'unknown' })).toBe(false);
  });

  it('allows any origin on the public documents and lists no rule for the other endpoints', async () => {
    expect(await allows('GET', '/.well-known/oauth-authorization-server', 'https://any.example')).toBe(true);
    expect(await allows('OPTIONS', '/oauth/jwks', 'https://any.example')).toBe(true);
    for (const path of ['/oauth/introspect', '/oauth/authorize', '/admin/clients', '/login', '/api/profile']) expect(CORS_ROUTES[path]).toBeUndefined();
  });
});
