import { TestApp } from '../support/start-app';
import { adminRequest } from './admin-request';

/** RFC 7591 metadata as POST /admin/clients takes it. */
export interface ClientInput {
  client_name: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  contacts?: string[];
  scope?: string;
  redirect_uris?: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: string;
  skip_consent?: boolean;
  introspection?: boolean;
  allowed_cors_origins?: string[];
  require_pushed_authorization_requests?: boolean;
  dpop_bound_access_tokens?: boolean;
  jwks?: { keys: unknown[] };
  jwks_uri?: string;
}

/** What the admin API answers for a client (client_secret only on creation and rotation). */
export interface ClientJson {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at: number;
  client_name: string;
  client_uri?: string;
  scope: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  skip_consent: boolean;
  introspection: boolean;
  user_id: number | null;
  [field: string]: unknown;
}

export const DEFAULT_REDIRECT_URI = 'https://client.example.com/callback';

let sequence = 0;

export const clientFactory = {
  /**
   * A valid POST /admin/clients body: a confidential (client_secret_basic) code + refresh client,
   * scope "profile email", one https redirect URI. When `grant_types` is overridden and
   * `response_types` is not, the response types are derived from the grant types so the pair agrees.
   */
  build(overrides: Partial<ClientInput> = {}): ClientInput {
    sequence++;
    const grantTypes = overrides.grant_types ?? ['authorization_code', 'refresh_token'];
    const responseTypes =
      overrides.response_types ??
      [...(grantTypes.includes('authorization_code') ? ['code'] : []), ...(grantTypes.includes('implicit') ? ['token'] : [])];
    return {
      client_name: `Test client ${sequence}`,
      client_uri: 'https://client.example.com',
      redirect_uris: [DEFAULT_REDIRECT_URI],
      scope: 'profile email',
      token_endpoint_auth_method: 'client_secret_basic',
      ...overrides,
      grant_types: grantTypes,
      response_types: responseTypes,
    };
  },

  /**
   * Registers a client through the admin API: `{ client, secret }` where `client` is the 201 JSON and
   * `secret` its client_secret (null for a public client). Throws on anything but 201.
   */
  async create(testApp: TestApp, overrides: Partial<ClientInput> = {}): Promise<{ client: ClientJson; secret: string | null }> {
    const { status, body } = await adminRequest<ClientJson>(testApp, 'POST', '/admin/clients', clientFactory.build(overrides));
    if (status !== 201) throw new Error(`clientFactory.create: POST /admin/clients answered ${status} ${JSON.stringify(body)}`);
    return { client: body, secret: body.client_secret ?? null };
  },
};
