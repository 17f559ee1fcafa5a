import { DATABASES, TestApp, startApp } from '../support/start-app';

/** An unknown address: a page for a browser, JSON for everyone else. */
describe.each(DATABASES)('404 (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  it('answers a browser (Accept: text/html first) with an HTML page', async () => {
    const res = await fetch(`${t.url}/no/such/page`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toEqual(expect.any(String));
    expect(await res.text()).toContain('<h1>Page not found</h1>');
  });

  it.each([[undefined], ['application/json'], ['application/json, text/html'], ['*/*']])('keeps JSON for Accept: %s', async (accept) => {
    const res = await fetch(`${t.url}/no/such/page`, { headers: accept ? { accept } : {} });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ statusCode: 404 });
  });
});
