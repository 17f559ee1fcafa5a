import { OAuthError } from './oauth-error';
import { resolveScope } from './scope';

describe(resolveScope.name, () => {
  it('grants the whole allowed scope when none is requested (or an empty one)', () => {
    expect(resolveScope(undefined, 'profile email')).toBe('profile email');
    expect(resolveScope('', 'profile email')).toBe('profile email');
  });

  it('grants a subset of the allowed scope, without duplicates', () => {
    expect(resolveScope('email', 'profile email')).toBe('email');
    expect(resolveScope('email profile email', 'profile email')).toBe('email profile');
  });

  it.each([
    ['a scope outside the allowed ones', 'admin'],
    ['a mix of allowed and disallowed', 'profile admin'],
    ['a malformed scope (double space)', 'profile  email'],
    ['a malformed scope (quote)', 'pro"file'],
  ])('refuses %s with invalid_scope', (_what, requested) => {
    let error: unknown;
    try {
      resolveScope(requested, 'profile email');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('invalid_scope');
  });
});
