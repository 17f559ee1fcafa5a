import { ID_TOKEN_SIGNING_ALGS } from '../common/oauth-types';

/** The claims this server can put in ID tokens and userinfo answers. */
export const CLAIMS_SUPPORTED = [
  'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'c_hash', 'azp',
  'preferred_username', 'name', 'email', 'email_verified',
];

/**
 * OpenID Connect Discovery 1.0 §3 fields: served in /.well-known/openid-configuration and added to
 * the RFC 8414 document, so both answer the same.
 */
export function openIdProviderMetadata(issuer: string): Record<string, unknown> {
  return {
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: `${issuer}/oauth/jwks`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGS],
    claims_supported: CLAIMS_SUPPORTED,
    claim_types_supported: ['normal'],
    // Discovery §3 defaults request_uri_parameter_supported to true: say we support none of these.
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent'],
  };
}
