/**
 * RFC 6749 §5.2 for requests Fastify refuses before a controller runs: a malformed or oversized body
 * at the token, revocation and introspection endpoints is still `invalid_request` JSON with no-store,
 * while other routes keep the framework's answers.
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { ServerMetadata, discover, expectNoStoreJson } from '../support/discovery';

describe.each(DATABASES)('RFC 6749 §5.2 for malformed bodies (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db);
    meta = await discover(t);
  });
  afterAll(() => t.close());

  const endpoints = ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint'] as const;

  it.each(endpoints)('answers malformed JSON at the %s with 400 invalid_request JSON', async (endpoint) => {
    const res = await fetch(meta[endpoint], { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    expect(res.status).toBe(400);
    expectNoStoreJson(res.headers);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it.each(endpoints)('answers an unsupported media type at the %s with invalid_request JSON', async (endpoint) => {
    const res = await fetch(meta[endpoint], { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'x' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectNoStoreJson(res.headers);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it("answers malformed JSON at an admin route in the admin API's shape, not §5.2", async () => {
    const res = await fetch(`${t.url}/admin/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: { body: expect.stringMatching(/not valid JSON/) } });
    expect(body).not.toHaveProperty('error_description');
  });

  it('answers an unknown route under /oauth with the framework 404, not §5.2', async () => {
    const res = await fetch(`${t.url}/oauth/token/extra`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body).toMatchObject({ statusCode: 404 });
    expect(body).not.toHaveProperty('error_description');
  });
});
