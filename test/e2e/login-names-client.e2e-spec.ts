import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { provisionThroughAdmin } from '../support/oauth-flow';

/** The sign-in page of an authorization request says which app is asking; a plain sign-in names none. */
describe.each(DATABASES)('sign-in page names the client (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  it('names the client of the authorization request, escaped, and nothing for a plain sign-in or an unknown client', async () => {
    const p = await provisionThroughAdmin(t, { client_name: 'Shop <Demo>' });
    const agent = new UserAgent(t.url);
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 's' })}`);
    expect(res.status).toBe(302);
    const page = await (await agent.get(res.headers.get('location')!)).text();
    expect(page).toContain('to continue to <strong>Shop &lt;Demo&gt;</strong>');

    const failed = await agent.postForm('/login', { _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1], return_to: decodeURIComponent(/return_to=([^"&]+)/.exec(res.headers.get('location')!)![1]), username: 'nobody', password: 'wrong' });
    expect(failed.status).toBe(401);
    expect(await failed.text()).toContain('to continue to <strong>Shop &lt;Demo&gt;</strong>');

    expect(await (await agent.get('/login')).text()).not.toContain('to continue to');
    expect(await (await agent.get(`/login?return_to=${encodeURIComponent('/oauth/authorize?client_id=unknown')}`)).text()).not.toContain('to continue to');
  });
});
