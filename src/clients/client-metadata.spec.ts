import { ClientMetadataError, ClientMetadataInput, corsOriginProblem, isLoopbackHost, normalizeClientMetadata, originsOf, redirectUriProblem } from './client-metadata';
import { selfRegistrationProblems } from './client-metadata';

const policy = { allowLoopbackHttp: true };
const base: ClientMetadataInput = { client_name: 'App', redirect_uris: ['https://app.example.com/cb'] };

/** The bad fields, or {} when the document is accepted. */
function problems(input: ClientMetadataInput, p = policy): Record<string, string> {
  try {
    normalizeClientMetadata(input, p);
    return {};
  } catch (err) {
    expect(err).toBeInstanceOf(ClientMetadataError);
    return (err as ClientMetadataError).fields;
  }
}

describe('normalizeClientMetadata', () => {
  describe('defaults (RFC 7591 §2)', () => {
    it('fills in authorization_code, code, client_secret_basic, scope "profile" and both flags false', () => {
      expect(normalizeClientMetadata(base, policy)).toEqual({
        client_name: 'App',
        scope: 'profile',
        redirect_uris: ['https://app.example.com/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        skip_consent: false,
        introspection: false,
        allowed_cors_origins: [],
        post_logout_redirect_uris: [],
        access_token_format: 'opaque',
        id_token_signed_response_alg: 'RS256',
      });
    });

    it('derives grant_types from response_types', () => {
      expect(normalizeClientMetadata({ ...base, response_types: ['code', 'token'] }, policy).grant_types).toEqual(['authorization_code', 'implicit']);
      expect(normalizeClientMetadata({ ...base, response_types: ['token'] }, policy).grant_types).toEqual(['implicit']);
    });

    it('derives response_types from grant_types', () => {
      expect(normalizeClientMetadata({ ...base, grant_types: ['authorization_code', 'implicit', 'refresh_token'] }, policy).response_types).toEqual(['code', 'token']);
      expect(normalizeClientMetadata({ client_name: 'S', grant_types: ['client_credentials'] }, policy).response_types).toEqual([]);
    });

    it('removes duplicates from grant_types, response_types, redirect_uris and scope', () => {
      const m = normalizeClientMetadata(
        { ...base, grant_types: ['authorization_code', 'authorization_code'], response_types: ['code', 'code'], redirect_uris: ['https://a.example/cb', 'https://a.example/cb'], scope: 'profile  profile email' },
        policy,
      );
      expect(m).toMatchObject({ grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: ['https://a.example/cb'], scope: 'profile email' });
    });

    it('trims client_name and keeps the optional URIs and contacts given, dropping empty ones', () => {
      const m = normalizeClientMetadata({ ...base, client_name: '  App  ', client_uri: 'https://app.example.com', logo_uri: '', contacts: ['a@example.com'] }, policy);
      expect(m.client_name).toBe('App');
      expect(m.client_uri).toBe('https://app.example.com');
      expect(m).not.toHaveProperty('logo_uri');
      expect(m.contacts).toEqual(['a@example.com']);
      expect(normalizeClientMetadata({ ...base, contacts: [] }, policy)).not.toHaveProperty('contacts');
    });

    it('keeps skip_consent and introspection', () => {
      expect(normalizeClientMetadata({ ...base, skip_consent: true, introspection: true }, policy)).toMatchObject({ skip_consent: true, introspection: true });
    });

    it('accepts an empty scope as no scope', () => {
      expect(normalizeClientMetadata({ ...base, scope: '' }, policy).scope).toBe('');
    });
  });

  describe('refusals', () => {
    it('refuses an empty or blank client_name', () => {
      expect(problems({ ...base, client_name: '' })).toEqual({ client_name: 'must not be empty' });
      expect(problems({ ...base, client_name: '   ' })).toEqual({ client_name: 'must not be empty' });
      expect(problems({ redirect_uris: base.redirect_uris })).toEqual({ client_name: 'must not be empty' });
    });

    it('refuses unknown grant and response types', () => {
      expect(problems({ ...base, grant_types: ['device_code' as never] })).toEqual({ grant_types: 'unsupported grant type "device_code"' });
      expect(problems({ ...base, grant_types: ['authorization_code'], response_types: ['code id_token' as never] })).toEqual({
        response_types: 'unsupported response type "code id_token"',
      });
    });

    it('pairs the OpenID Connect implicit response types with the implicit grant', () => {
      expect(problems({ ...base, grant_types: ['authorization_code'], response_types: ['code', 'id_token'] })).toEqual({
        response_types: 'response types "token", "id_token" and "id_token token" go with grant type "implicit"',
      });
      expect(normalizeClientMetadata({ ...base, response_types: ['id_token', 'id_token token'] }, policy).grant_types).toEqual(['implicit']);
    });

    it('checks post_logout_redirect_uris like redirect URIs, and the OpenID Connect enums', () => {
      expect(problems({ ...base, post_logout_redirect_uris: ['http://evil.example.com/out'] })).toEqual({
        post_logout_redirect_uris: '"http://evil.example.com/out" must use https (http only on a loopback host)',
      });
      expect(problems({ ...base, post_logout_redirect_uris: ['https://app.example.com/out#x'] })).toEqual({
        post_logout_redirect_uris: '"https://app.example.com/out#x" must not contain a fragment',
      });
      expect(problems({ ...base, access_token_format: 'paseto' as never })).toEqual({ access_token_format: 'must be one of opaque, jwt' });
      expect(problems({ ...base, id_token_signed_response_alg: 'none' as never })).toEqual({ id_token_signed_response_alg: 'must be one of RS256, ES256' });
      expect(normalizeClientMetadata({ ...base, post_logout_redirect_uris: ['https://app.example.com/out', 'https://app.example.com/out'], access_token_format: 'jwt' }, policy)).toMatchObject({
        post_logout_redirect_uris: ['https://app.example.com/out'],
        access_token_format: 'jwt',
        id_token_signed_response_alg: 'RS256',
      });
    });

    it('refuses code without authorization_code and token without implicit, and the reverse', () => {
      expect(problems({ ...base, grant_types: ['implicit'], response_types: ['code', 'token'] })).toEqual({
        response_types: 'response type "code" and grant type "authorization_code" go together',
      });
      expect(problems({ ...base, grant_types: ['authorization_code'], response_types: ['code', 'token'] })).toEqual({
        response_types: 'response type "token" and grant type "implicit" go together',
      });
      expect(problems({ ...base, grant_types: ['authorization_code', 'implicit'], response_types: ['code'] })).toEqual({
        response_types: 'response type "token" and grant type "implicit" go together',
      });
    });

    it('refuses an empty grant_types', () => {
      expect(problems({ ...base, grant_types: [], response_types: [] })).toEqual({ grant_types: 'at least one grant type is required' });
    });

    it('refuses an unknown token_endpoint_auth_method', () => {
      expect(problems({ ...base, token_endpoint_auth_method: 'tls_client_auth' as never })).toEqual({
        token_endpoint_auth_method: 'must be one of client_secret_basic, client_secret_post, none, private_key_jwt',
      });
    });

    it('refuses client_credentials for a public client (RFC 6749 §4.4)', () => {
      expect(problems({ client_name: 'S', grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' })).toEqual({
        grant_types: 'a public client (token_endpoint_auth_method "none") may not use client_credentials',
      });
      expect(problems({ client_name: 'S', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' })).toEqual({});
    });

    it('requires a redirect URI for authorization_code and implicit, and none otherwise', () => {
      const reason = 'at least one redirect URI is required for the authorization_code and implicit grants';
      expect(problems({ client_name: 'A' })).toEqual({ redirect_uris: reason });
      expect(problems({ client_name: 'A', grant_types: ['implicit'], redirect_uris: [] })).toEqual({ redirect_uris: reason });
      expect(problems({ client_name: 'A', grant_types: ['password', 'refresh_token'] })).toEqual({});
    });

    it('names the first bad redirect URI', () => {
      expect(problems({ ...base, redirect_uris: ['https://ok.example/cb', 'http://bad.example/cb'] })).toEqual({
        redirect_uris: '"http://bad.example/cb" must use https (http only on a loopback host)',
      });
    });

    it('refuses an unknown scope', () => {
      expect(problems({ ...base, scope: 'profile offline_access' })).toEqual({ scope: 'unknown scope "offline_access" (supported: openid profile email)' });
    });

    it.each(['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const)('refuses a %s that is not an absolute http(s) URL', (field) => {
      expect(problems({ ...base, [field]: 'ftp://example.com/x' })).toEqual({ [field]: 'must be an http(s) URL' });
      expect(problems({ ...base, [field]: 'example.com' })).toEqual({ [field]: 'must be an absolute URL' });
      expect(problems({ ...base, [field]: 'http://example.com/x' })).toEqual({});
    });

    it('names every bad field at once', () => {
      const fields = problems({ client_name: '', redirect_uris: ['x'], scope: 'admin', client_uri: 'nope', token_endpoint_auth_method: 'bad' as never });
      expect(Object.keys(fields).sort()).toEqual(['client_name', 'client_uri', 'redirect_uris', 'scope', 'token_endpoint_auth_method']);
    });

    it('builds a message naming each field', () => {
      expect(new ClientMetadataError({ a: 'x', b: 'y' }).message).toBe('a: x; b: y');
    });
  });
});

describe('redirectUriProblem (RFC 6749 §3.1.2, RFC 8252 §7)', () => {
  it.each([
    'https://app.example.com/cb',
    'https://app.example.com:8443/cb?x=1',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:53124/cb',
    'http://[::1]:8080/cb',
    'http://localhost:3000/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri, policy)).toBeNull();
  });

  it.each([
    ['/cb', 'must be an absolute URI'],
    ['cb', 'must be an absolute URI'],
    ['https://app.example.com/cb#', 'must not contain a fragment'],
    ['https://app.example.com/cb#x', 'must not contain a fragment'],
    ['https://user@app.example.com/cb', 'must not contain user information'],
    ['https://user:pw@app.example.com/cb', 'must not contain user information'],
    ['javascript:alert(1)', 'scheme javascript: is not allowed'],
    ['JavaScript:alert(1)', 'scheme javascript: is not allowed'],
    ['data:text/html,x', 'scheme data: is not allowed'],
    ['vbscript:x', 'scheme vbscript: is not allowed'],
    ['file:///etc/passwd', 'scheme file: is not allowed'],
    ['http://app.example.com/cb', 'must use https (http only on a loopback host)'],
    ['http://127.0.0.2/cb', 'must use https (http only on a loopback host)'],
    ['myapp:/cb', 'a private-use scheme must be a reverse domain name (e.g. com.example.app:/cb)'],
  ])('refuses %s: %s', (uri, reason) => {
    expect(redirectUriProblem(uri, policy)).toBe(reason);
  });

  it('refuses loopback http when the policy forbids it', () => {
    expect(redirectUriProblem('http://127.0.0.1/cb', { allowLoopbackHttp: false })).toBe('must use https (http only on a loopback host)');
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.1, [::1] and localhost only', () => {
    expect(['127.0.0.1', '[::1]', 'localhost', 'example.com', '127.0.0.2'].map(isLoopbackHost)).toEqual([true, true, true, false, false]);
  });
});

describe('corsOriginProblem', () => {
  const ORIGIN_FORM = 'must be an origin as browsers send it: scheme://host[:port] in lower case, with no path, query or fragment';

  it.each(['https://app.example.com', 'https://app.example.com:8443', 'http://127.0.0.1:5555', 'http://[::1]:8080', 'http://localhost:3000'])('accepts %s', (origin) => {
    expect(corsOriginProblem(origin, policy)).toBeNull();
  });

  it.each([
    ['https://app.example.com/', ORIGIN_FORM],
    ['https://app.example.com/spa', ORIGIN_FORM],
    ['https://app.example.com?x=1', ORIGIN_FORM],
    ['https://app.example.com#x', ORIGIN_FORM],
    ['https://user@app.example.com', ORIGIN_FORM],
    ['https://App.Example.com', ORIGIN_FORM],
    ['https://app.example.com:443', ORIGIN_FORM],
    ['http://app.example.com', 'must use https (http only on a loopback host)'],
    ['com.example.app://cb', 'must use https (http only on a loopback host)'],
    ['*', 'must be an origin such as https://app.example.com'],
    ['null', 'must be an origin such as https://app.example.com'],
  ])('refuses %s: %s', (origin, reason) => {
    expect(corsOriginProblem(origin, policy)).toBe(reason);
  });

  it('refuses loopback http when the policy forbids it', () => {
    expect(corsOriginProblem('http://127.0.0.1:5555', { allowLoopbackHttp: false })).toBe('must use https (http only on a loopback host)');
  });

  it('names the bad origin in the metadata errors', () => {
    expect(problems({ ...base, allowed_cors_origins: ['https://ok.example', 'https://bad.example/path'] })).toEqual({ allowed_cors_origins: `"https://bad.example/path" ${ORIGIN_FORM}` });
  });

  it('keeps each origin once', () => {
    expect(normalizeClientMetadata({ ...base, allowed_cors_origins: ['https://a.example', 'https://a.example'] }, policy).allowed_cors_origins).toEqual(['https://a.example']);
  });
});

describe('originsOf', () => {
  it('answers the origin of each http(s) URI once, and none for other schemes', () => {
    expect(originsOf(['https://app.example.com/cb', 'https://app.example.com/other', 'http://127.0.0.1:5555/cb', 'com.example.app:/cb', 'not a uri'])).toEqual([
      'https://app.example.com',
      'http://127.0.0.1:5555',
    ]);
  });
});

describe(selfRegistrationProblems.name, () => {
  const policy = { scopes: ['openid', 'profile'] };
  it('accepts the code flow within the allowed scopes', () => {
    expect(selfRegistrationProblems({ grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid profile' }, policy)).toEqual({});
  });
  it('names every field a self-registered client may not have', () => {
    expect(Object.keys(selfRegistrationProblems({ grant_types: ['client_credentials'], response_types: ['token'], scope: 'email', skip_consent: true, introspection: true }, policy)).sort()).toEqual([
      'grant_types', 'introspection', 'response_types', 'scope', 'skip_consent',
    ]);
  });
});
