import { AuthorizationGrant, TokenGrant } from './grant';
import { GrantRegistry } from './grant-registry';

const tokenGrant = (grantType: string, enabled = true) => ({ grantType, enabled, handle: jest.fn() }) as unknown as TokenGrant;
const authGrant = (responseType: string, enabled = true) =>
  ({ responseType, enabled, responseMode: 'query', validate: jest.fn(), authorize: jest.fn() }) as unknown as AuthorizationGrant;

describe(GrantRegistry.name, () => {
  it('finds grants by grant_type and response_type, and lists what it serves', () => {
    const code = { ...tokenGrant('authorization_code'), ...authGrant('code') } as TokenGrant & AuthorizationGrant;
    const registry = new GrantRegistry([code, tokenGrant('client_credentials'), authGrant('token')]);
    expect(registry.tokenGrant('authorization_code')).toBe(code);
    expect(registry.authorizationGrant('code')).toBe(code);
    expect(registry.tokenGrant('password')).toBeUndefined();
    expect(registry.grantTypes()).toEqual(['authorization_code', 'client_credentials', 'implicit']);
    expect(registry.responseTypes()).toEqual(['code', 'token']);
  });

  it('leaves out grants turned off by configuration, so metadata and endpoints agree', () => {
    const registry = new GrantRegistry([tokenGrant('password', false), authGrant('token', false), tokenGrant('refresh_token')]);
    expect(registry.tokenGrant('password')).toBeUndefined();
    expect(registry.authorizationGrant('token')).toBeUndefined();
    expect(registry.grantTypes()).toEqual(['refresh_token']);
    expect(registry.responseTypes()).toEqual([]);
  });

  it('fails at boot on a grant registered twice', () => {
    expect(() => new GrantRegistry([tokenGrant('password'), tokenGrant('password')])).toThrow('grant_type password registered twice');
    expect(() => new GrantRegistry([authGrant('code'), authGrant('code')])).toThrow('response_type code registered twice');
  });
});
