/** Longer targets are not deep links anyone shares; they fall back to the home page. */
const MAX_LENGTH = 8192;

/** C0 controls, DEL and C1 controls: browsers strip or rewrite them, so `/\t/evil.com` becomes `//evil.com`. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Where to go after signing in or up: a path on this server, or '/' (RFC 9700 §4.11: never an open
 * redirector). The value must be an absolute path, and is parsed as WHATWG URL against the issuer,
 * as a browser would resolve the Location header; it is followed only when it stays on the issuer's
 * origin. Backslashes (`/\evil.com` is `//evil.com` to a browser), a leading `//` and control
 * characters are refused outright rather than normalised. The answer is the parsed path, query and
 * fragment, percent-encoded by the URL parser, so the Location header never carries a character
 * outside Latin-1 (which Node refuses to send).
 */
export function safeReturnTo(value: unknown, issuer: string): string {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || CONTROL.test(value)) return '/';
  let base: URL;
  let target: URL;
  try {
    base = new URL(issuer);
    target = new URL(value, base);
  } catch {
    return '/';
  }
  if (target.origin !== base.origin) return '/';
  const path = `${target.pathname}${target.search}${target.hash}`;
  // The parser may still produce '//host' from dot segments such as '/.//evil.com'.
  return path.startsWith('//') || path.startsWith('/\\') ? '/' : path;
}
