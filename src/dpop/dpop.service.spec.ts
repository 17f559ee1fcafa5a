import { normalizeHtu } from './dpop.service';

describe('DPoP htu normalisation (RFC 9449 §4.3)', () => {
  it('drops query and fragment, lower-cases scheme and host, drops default ports', () => {
    expect(normalizeHtu('HTTPS://Auth.Example.COM:443/oauth/token?x=1#f')).toBe('https://auth.example.com/oauth/token');
    expect(normalizeHtu('http://127.0.0.1:8080/api/profile')).toBe('http://127.0.0.1:8080/api/profile');
  });

  it('keeps the path as sent (case-sensitive) and refuses non-http URLs', () => {
    expect(normalizeHtu('https://a.example/API')).not.toBe(normalizeHtu('https://a.example/api'));
    expect(normalizeHtu('urn:x:y')).toBeNull();
    expect(normalizeHtu('not a url')).toBeNull();
  });
});
