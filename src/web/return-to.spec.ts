import { safeReturnTo } from './return-to';

const ISSUER = 'http://127.0.0.1:3000';

describe(safeReturnTo.name, () => {
  it.each([
    ['a path', '/console', '/console'],
    ['a path with query and fragment', '/oauth/authorize?client_id=a&state=b#top', '/oauth/authorize?client_id=a&state=b#top'],
    ['a non-Latin-1 query, percent-encoded', '/console?q=日本', '/console?q=%E6%97%A5%E6%9C%AC'],
    ['a non-Latin-1 path, percent-encoded', '/ü/日本', '/%C3%BC/%E6%97%A5%E6%9C%AC'],
    ['an encoded tab, which stays encoded and on this origin', '/%09/evil.com', '/%09/evil.com'],
    ['dot segments, resolved', '/a/../b', '/b'],
    ['the home page', '/', '/'],
  ])('follows %s', (_what, value, expected) => {
    expect(safeReturnTo(value, ISSUER)).toBe(expected);
  });

  it.each([
    ['a raw tab', '/\t/evil.com'],
    ['CR', '/\r/evil.com'],
    ['LF', '/\n/evil.com'],
    ['CR LF header injection', '/x\r\nSet-Cookie: a=b'],
    ['NUL', '/\u0000/evil.com'],
    ['VT', '/\u000b/evil.com'],
    ['FF', '/\u000c/evil.com'],
    ['DEL', '/\u007f/evil.com'],
    ['a C1 control', '/\u0085/evil.com'],
    ['a backslash after the slash', '/\\evil.com'],
    ['two backslashes', '\\\\evil.com'],
    ['a backslash later on', '/a\\b'],
    ['a protocol-relative URL', '//evil.com'],
    ['a protocol-relative URL with a path', '//evil.com/console'],
    ['dot segments that produce //', '/.//evil.com'],
    ['an absolute URL elsewhere', 'https://evil.com'],
    ['this host on another port', 'http://127.0.0.1:3001/console'],
    ['this origin written absolutely (paths only)', 'http://127.0.0.1:3000/console'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', 'evil.com/path'],
    ['an empty string', ''],
    ['a too long value', `/${'a'.repeat(9000)}`],
  ])('sends %s to /', (_what, value) => {
    expect(safeReturnTo(value, ISSUER)).toBe('/');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', ['/console']],
    ['an object', { a: '/console' }],
  ])('sends %s to /', (_what, value) => {
    expect(safeReturnTo(value, ISSUER)).toBe('/');
  });

  it('keeps the path when the issuer has one of its own', () => {
    expect(safeReturnTo('/console', 'https://login.example.com/gatehouse')).toBe('/console');
  });

  it('never answers a character above U+00FF', () => {
    for (const value of ['/日本', '/?q=😀', '/#€', '/\u0100']) {
      expect(safeReturnTo(value, ISSUER)).toMatch(/^[\x21-\x7e]+$/);
    }
  });
});
