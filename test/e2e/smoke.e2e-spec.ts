import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent, basic, postForm } from '../support/http';
import { authorize, pkcePair, provision } from '../support/oauth-flow';

describe.each(DATABASES)('code flow smoke (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  it('authorize → login → consent → token → profile → refresh → profile', async () => {
    const p = await provision(t);
    const pkce = pkcePair();
    const agent = new UserAgent(t.url);
    const cb = await authorize(agent, { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, state: 'xyz', code_challenge: pkce.challenge, code_challenge_method: 'S256' }, p);
    expect(cb.searchParams.get('state')).toBe('xyz');
    const code = cb.searchParams.get('code')!;
    const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: pkce.verifier }, { authorization: basic(p.clientId, p.secret!) });
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    const prof = await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(prof.status).toBe(200);
    expect(await prof.json()).toEqual({ id: p.userId, username: p.username, email: `${p.username}@example.com` });
    const r2 = await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, { authorization: basic(p.clientId, p.secret!) });
    expect(r2.status).toBe(200);
  });
});
