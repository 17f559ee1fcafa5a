/**
 * REDIS_URL set but Redis unreachable: whatever needs the failed-attempt counters answers 503
 * temporarily_unavailable with Retry-After (never a 500, and never an attempt left uncounted);
 * what does not need them keeps working.
 */
import { TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { userFactory } from '../factories/user.factory';
import { clientFactory } from '../factories/client.factory';

describe('Redis unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Port 9 (discard) has no listener here: every Redis command fails once its retries are spent.
    t = await startApp('sqlite::memory:', { THROTTLE_ENABLED: 'true', PASSWORD_GRANT_ENABLED: 'true', REDIS_URL: 'redis://127.0.0.1:9' });
  });
  afterAll(() => t?.close());

  it('answers a sign-in 503 with Retry-After, on a page', async () => {
    const { user } = await userFactory.create(t);
    const agent = new UserAgent(t.url);
    const form = parseForm(await (await agent.get('/login')).text());
    const res = await agent.postForm('/login', { ...form.fields, username: user.username, password: 'wrong' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('temporarily_unavailable');
  });

  it('answers the password grant and a failed client authentication 503 temporarily_unavailable, and still issues to a client whose secret is right', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials', 'password'], redirect_uris: [] });
    const { user, password } = await userFactory.create(t);
    const grant = await postForm(`${t.url}/oauth/token`, { grant_type: 'password', username: user.username, password }, { authorization: basic(client.client_id, secret!) });
    expect(grant.status).toBe(503);
    expect(grant.headers.get('retry-after')).toBe('5');
    expect(await grant.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the server cannot check this right now; retry after 5 seconds' });

    const wrong = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'not-the-secret') });
    expect(wrong.status).toBe(503);
    expect(((await wrong.json()) as { error: string }).error).toBe('temporarily_unavailable');

    const right = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, secret!) });
    expect(right.status).toBe(200);
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
  });
});
