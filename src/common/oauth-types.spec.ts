import { parseScope } from './oauth-types';

describe(parseScope.name, () => {
  it.each([
    [undefined, []],
    ['', []],
    ['profile', ['profile']],
    ['openid profile email', ['openid', 'profile', 'email']],
    ['profile  email', ['profile', 'email']],
    [' profile email ', ['profile', 'email']],
    ['profile email profile', ['profile', 'email']],
    ['Profile profile', ['Profile', 'profile']],
  ])('%j → %j', (scope, names) => {
    expect(parseScope(scope)).toEqual(names);
  });
});
