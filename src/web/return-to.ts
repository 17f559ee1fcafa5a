/** Where to go after signing in or up: a path on this server only (no open redirect). */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && value.length <= 8192 ? value : '/';
}
