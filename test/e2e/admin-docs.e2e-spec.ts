import { DATABASES, startApp, TestApp } from '../support/start-app';

type Operation = {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};

const ROUTES: Array<[string, string, string, string | null, string[]]> = [
  // method, path, success status, request body schema, error statuses
  ['post', '/admin/users', '201', 'CreateUserDto', ['400', '401', '409']],
  ['get', '/admin/users', '200', null, ['400', '401']],
  ['get', '/admin/users/{id}', '200', null, ['400', '401', '404']],
  ['patch', '/admin/users/{id}', '200', 'UpdateUserDto', ['400', '401', '404', '409']],
  ['delete', '/admin/users/{id}', '204', null, ['400', '401', '404']],
  ['get', '/admin/users/{id}/sessions', '200', null, ['400', '401', '404']],
  ['delete', '/admin/users/{id}/sessions', '204', null, ['400', '401', '404']],
  ['post', '/admin/clients', '201', 'CreateClientDto', ['400', '401']],
  ['get', '/admin/clients', '200', null, ['400', '401']],
  ['get', '/admin/clients/{client_id}', '200', null, ['401', '404']],
  ['patch', '/admin/clients/{client_id}', '200', 'UpdateClientDto', ['400', '401', '404']],
  ['delete', '/admin/clients/{client_id}', '204', null, ['401', '404']],
  ['post', '/admin/clients/{client_id}/secret', '200', null, ['401', '404', '409']],
  ['post', '/admin/clients/{client_id}/vet', '200', null, ['401', '404']],
  ['get', '/admin/tokens', '200', null, ['400', '401']],
  ['delete', '/admin/tokens/{id}', '204', null, ['400', '401', '404']],
  ['get', '/admin/events', '200', null, ['400', '401']],
  ['get', '/admin/keys', '200', null, ['401']],
  ['post', '/admin/keys/rotate', '200', null, ['401']],
  ['post', '/admin/registration-tokens', '201', 'CreateInitialAccessTokenDto', ['400', '401']],
  ['get', '/admin/registration-tokens', '200', null, ['400', '401']],
  ['delete', '/admin/registration-tokens/{id}', '204', null, ['400', '401', '404']],
  ['post', '/admin/resources', '201', 'CreateResourceServerDto', ['400', '401', '409']],
  ['get', '/admin/resources', '200', null, ['400', '401']],
  ['delete', '/admin/resources/{id}', '204', null, ['400', '401', '404']],
];

describe.each(DATABASES)('admin API documentation (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } };
  beforeAll(async () => {
    t = await startApp(databaseUrl);
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(() => t.close());

  it('documents exactly the admin routes under /admin', () => {
    const admin = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(admin).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
  });

  it.each(ROUTES)('%s %s: bearer security, body and responses', (method, path, success, body, errors) => {
    const op = doc.paths[path][method];
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.tags).toHaveLength(1);
    if (body) {
      expect(op.requestBody!.content['application/json'].schema.$ref).toBe(`#/components/schemas/${body}`);
    } else {
      expect(op.requestBody).toBeUndefined();
    }
    // On every admin route 429 (an address past THROTTLE_IP_FAILURES wrong keys) and 503 (a database
    // outage); with a body 413 and 415 (over the limit, or of another type).
    expect(Object.keys(op.responses).sort()).toEqual([success, ...errors, '429', '503', ...(body ? ['413', '415'] : [])].sort());
    if (success !== '204') expect(op.responses[success].content!['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\/\w+Dto$/);
    if (errors.includes('400')) expect(op.responses['400'].content!['application/json'].schema.$ref).toBe('#/components/schemas/ValidationErrorDto');
  });

  it('describes every field of the request bodies', () => {
    for (const name of ['CreateUserDto', 'UpdateUserDto', 'CreateClientDto', 'UpdateClientDto']) {
      const schema = doc.components.schemas[name];
      for (const [field, property] of Object.entries<any>(schema.properties)) {
        expect([name, field, typeof property.description]).toEqual([name, field, 'string']);
      }
    }
    expect(doc.components.schemas.CreateUserDto.required).toEqual(['username', 'password']);
    expect(doc.components.schemas.CreateClientDto.required).toEqual(['client_name']);
    expect(doc.components.schemas.UpdateClientDto.required).toBeUndefined();
    expect(Object.keys(doc.components.schemas.CreateClientDto.properties).sort()).toEqual(
      [
        'client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'scope', 'redirect_uris', 'grant_types',
        'response_types', 'token_endpoint_auth_method', 'skip_consent', 'introspection', 'allowed_cors_origins',
        'post_logout_redirect_uris', 'access_token_format', 'id_token_signed_response_alg', 'software_id', 'software_version',
        'application_type', 'require_pushed_authorization_requests', 'jwks', 'jwks_uri', 'dpop_bound_access_tokens', 'id_token_claims',
      ].sort(),
    );
  });

  it('documents the secret only on the creation and rotation answers', () => {
    const ref = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content!['application/json'].schema.$ref;
    expect(ref('/admin/clients', 'post', '201')).toBe('#/components/schemas/ClientWithSecretDto');
    expect(ref('/admin/clients/{client_id}/secret', 'post', '200')).toBe('#/components/schemas/ClientWithSecretDto');
    expect(ref('/admin/clients/{client_id}', 'get', '200')).toBe('#/components/schemas/ClientDto');
    expect(doc.components.schemas.ClientDto.properties).not.toHaveProperty('client_secret');
    expect(doc.components.schemas.ClientWithSecretDto.properties).toHaveProperty('client_secret');
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/_hash/);
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await fetch(`${t.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('swagger');
  });
});

describe('admin API documentation in production', () => {
  const production = { NODE_ENV: 'production', KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789abcdef' };

  it('is not served (404) without DOCS_ENABLED, and the metadata does not point at it', async () => {
    const t = await startApp('sqlite::memory:', production);
    try {
      for (const path of ['/docs', '/docs-json']) expect([path, (await fetch(`${t.url}${path}`)).status]).toEqual([path, 404]);
      const meta = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json();
      expect(meta).not.toHaveProperty('service_documentation');
    } finally {
      await t.close();
    }
  });

  it('is served with DOCS_ENABLED=true', async () => {
    const t = await startApp('sqlite::memory:', { ...production, DOCS_ENABLED: 'true' });
    try {
      expect((await fetch(`${t.url}/docs-json`)).status).toBe(200);
      expect((await fetch(`${t.url}/docs`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
