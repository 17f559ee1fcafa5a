import { AuthorizationGrant, TokenGrant } from './grant';
import { GrantType, ResponseType } from '../common/oauth-types';

/**
 * Grants by `grant_type` (token endpoint) and `response_type` (authorization endpoint). Built once
 * from the list in grants.module.ts; a grant turned off by configuration is not registered, so
 * the endpoints and the metadata agree. Duplicates fail at boot.
 */
export class GrantRegistry {
  private readonly tokenGrants = new Map<string, TokenGrant>();
  private readonly authorizationGrants = new Map<string, AuthorizationGrant>();

  constructor(grants: Array<TokenGrant | AuthorizationGrant | (TokenGrant & AuthorizationGrant)>) {
    for (const grant of grants) {
      if (!grant.enabled) continue;
      if ('grantType' in grant && 'handle' in grant) {
        if (this.tokenGrants.has(grant.grantType)) throw new Error(`grant_type ${grant.grantType} registered twice`);
        this.tokenGrants.set(grant.grantType, grant);
      }
      if ('responseType' in grant && 'authorize' in grant) {
        if (this.authorizationGrants.has(grant.responseType)) throw new Error(`response_type ${grant.responseType} registered twice`);
        this.authorizationGrants.set(grant.responseType, grant);
      }
    }
  }

  tokenGrant(grantType: string): TokenGrant | undefined {
    return this.tokenGrants.get(grantType);
  }

  authorizationGrant(responseType: string): AuthorizationGrant | undefined {
    return this.authorizationGrants.get(responseType);
  }

  /** RFC 8414 grant_types_supported: every token grant, plus `implicit` when response_type=token is served. */
  grantTypes(): GrantType[] {
    const types = [...this.tokenGrants.keys()] as GrantType[];
    return this.authorizationGrants.has('token') ? [...types, 'implicit'] : types;
  }

  responseTypes(): ResponseType[] {
    return [...this.authorizationGrants.keys()] as ResponseType[];
  }
}
