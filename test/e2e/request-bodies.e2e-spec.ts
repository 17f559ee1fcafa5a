/**
 * Request bodies the parsers refuse before any route runs: JSON nested deeper than MAX_JSON_DEPTH
 * is a 400 naming the problem (never a stack overflow in validation), in the admin API's shape
 * (`fields.body`) or as RFC 6749 §5.2 invalid_request at the token endpoint. Form bodies keep repeated names visible.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { MAX_JSON_DEPTH } from '../../src/common/json-depth';

const nestedObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const nestedArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe.each(DATABASES)('request bodies (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  const DEEP = [
    ['an object 1,300 levels deep', nestedObject(1300)],
    ['an array 1,300 levels deep (2.6 KB)', nestedArray(1300)],
    ['a deep value inside a valid field', `{"client_name":"x","contacts":[${nestedArray(1300)}]}`],
    ['one level over the limit', `{"client_name":"x","contacts":${nestedArray(MAX_JSON_DEPTH)}}`],
  ];

  it.each(DEEP)('answers %s to the admin API with a 400 naming the nesting', async (_label, body) => {
    for (const [method, path] of [['POST', '/admin/clients'], ['POST', '/admin/users'], ['PATCH', '/admin/clients/any']]) {
      const res = await adminRequest(t, method, path, body);
      expect({ method, path, status: res.status, body: res.body }).toEqual({
        method,
        path,
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: [`body: is nested deeper than ${MAX_JSON_DEPTH} levels`],
          fields: { body: `is nested deeper than ${MAX_JSON_DEPTH} levels` },
        },
      });
    }
  });

  it('accepts nesting up to the limit (then the fields are validated as usual)', async () => {
    const res = await adminRequest(t, 'POST', '/admin/clients', `{"client_name":"x","contacts":${nestedArray(MAX_JSON_DEPTH - 1)}}`);
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ contacts: 'each value in contacts must be a string' });
  });

  it('answers deep JSON at the token endpoint as RFC 6749 §5.2 invalid_request', async () => {
    const res = await fetch(`${t.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nestedArray(1300) });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels` });
  });

  it('refuses a lone surrogate escape with a 400 naming it (validators would throw on it)', async () => {
    for (const [method, path] of [['POST', '/admin/users'], ['PATCH', '/admin/users/1'], ['POST', '/admin/clients']]) {
      const res = await adminRequest(t, method, path, '{"username":"x","password":"long enough","email":"\\ud800@example.com","client_name":"x"}');
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: ['body: has a string that is not valid Unicode (a lone surrogate escape)'],
          fields: { body: 'has a string that is not valid Unicode (a lone surrogate escape)' },
        },
      });
    }
    const paired = await adminRequest(t, 'POST', '/admin/users', '{"username":"poo","password":"long enough","email":"\\ud83d\\udca9@example.com"}');
    expect(paired.status).toBe(400);
    expect(paired.body.fields).toEqual({ email: 'must be an email' });
  });

  it('still refuses prototype-poisoning keys with 400', async () => {
    const res = await adminRequest(t, 'POST', '/admin/users', '{"username":"x","password":"long enough","__proto__":{"admin":true}}');
    expect(res.status).toBe(400);
  });

  it('keeps a repeated form parameter visible to the token endpoint (§3.2: invalid_request)', async () => {
    const repeated = await fetch(`${t.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=password&client_id=a&client_id=b' });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toEqual({ error: 'invalid_request', error_description: 'parameter "grant_type" is repeated' });
  });
});
