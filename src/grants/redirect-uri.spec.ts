import { buildRedirect, matchRedirectUri } from './redirect-uri';

describe(matchRedirectUri.name, () => {
  const registered = ['https://app.example.com/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/native', 'http://localhost:3000/cb'];

  it('matches a registered URI exactly', () => {
    expect(matchRedirectUri('https://app.example.com/cb', registered)).toBe('https://app.example.com/cb');
  });

  it.each([
    'https://app.example.com/cb/extra',
    'https://app.example.com/c',
    'https://app.example.com/cb?x=1',
    'https://app.example.com/cb#frag',
    'https://app.example.com:8443/cb',
    'https://good@app.example.com/cb',
    'http://app.example.com/cb',
    'https://APP.example.com/cb',
  ])('refuses %s (RFC 9700 §4.1.3: exact match)', (uri) => {
    expect(matchRedirectUri(uri, registered)).toBeNull();
  });

  it('lets a loopback IP literal use any port (RFC 8252 §7.3)', () => {
    expect(matchRedirectUri('http://127.0.0.1:54321/cb', registered)).toBe('http://127.0.0.1:54321/cb');
    expect(matchRedirectUri('http://[::1]:9/native', registered)).toBe('http://[::1]:9/native');
  });

  it('does not extend the port rule to localhost, other paths, or userinfo', () => {
    expect(matchRedirectUri('http://localhost:3001/cb', registered)).toBeNull();
    expect(matchRedirectUri('http://127.0.0.1:54321/other', registered)).toBeNull();
    expect(matchRedirectUri('http://127.0.0.1:54321@evil.example/cb', registered)).toBeNull();
  });
});

describe(buildRedirect.name, () => {
  it('adds parameters to the query, keeping the registered query (§4.1.2)', () => {
    expect(buildRedirect('https://app.example.com/cb?a=1', 'query', { code: 'c', state: 's t', skipped: undefined })).toBe(
      'https://app.example.com/cb?a=1&code=c&state=s+t',
    );
  });

  it('puts parameters in the fragment for the implicit grant (§4.2.2)', () => {
    expect(buildRedirect('https://app.example.com/cb', 'fragment', { access_token: 'x', state: 's' })).toBe('https://app.example.com/cb#access_token=x&state=s');
  });
});
