import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { ASYMMETRIC_JWS_ALGS, RESPONSE_MODES, SCOPES_SUPPORTED, TOKEN_ENDPOINT_AUTH_METHODS } from '../common/oauth-types';
import { GrantRegistry } from '../grants/grant-registry';
import { openIdProviderMetadata } from '../oidc/provider-metadata';

/**
 * Authorization server metadata (RFC 8414 §2, §3) and OpenID Provider metadata (Discovery 1.0 §4):
 * one document at both addresses, built from configuration and the grant registry.
 */
@ApiExcludeController()
@Controller('.well-known')
export class MetadataController {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: GrantRegistry,
  ) {}

  @Get(['oauth-authorization-server', 'openid-configuration'])
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): Record<string, unknown> {
    const issuer = this.config.issuer;
    const confidentialMethods = TOKEN_ENDPOINT_AUTH_METHODS.filter((m) => m !== 'none');
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      // RFC 9126 §5.
      pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
      require_pushed_authorization_requests: this.config.parRequired,
      ...(this.config.deviceGrantEnabled ? { device_authorization_endpoint: `${issuer}/oauth/device_authorization` } : {}),
      scopes_supported: SCOPES_SUPPORTED,
      response_types_supported: this.registry.responseTypes(),
      // Multiple Response Type Encoding Practices §2.1 and Form Post Response Mode §2, for every
      // response type (query only where no token is returned: §5).
      response_modes_supported: [...RESPONSE_MODES],
      grant_types_supported: this.registry.grantTypes(),
      token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
      revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
      introspection_endpoint_auth_methods_supported: confidentialMethods,
      // RFC 8414 §2: the algorithms private_key_jwt assertions may be signed with.
      token_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_JWS_ALGS],
      revocation_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_JWS_ALGS],
      introspection_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_JWS_ALGS],
      code_challenge_methods_supported: this.config.pkceAllowPlain ? ['S256', 'plain'] : ['S256'],
      // RFC 9207: every authorization response, success or error, carries `iss`.
      authorization_response_iss_parameter_supported: true,
      // RFC 7591 §3: only when the operator opened registration (REGISTRATION=token or open).
      ...(this.config.registration.mode !== 'closed' ? { registration_endpoint: `${issuer}/oauth/register` } : {}),
      // draft-ietf-oauth-client-id-metadata-document: an https URL may be a client_id.
      ...(this.config.registration.metadataDocuments ? { client_id_metadata_document_supported: true } : {}),
      // RFC 9449 §5.1.
      ...(this.config.dpopEnabled ? { dpop_signing_alg_values_supported: [...ASYMMETRIC_JWS_ALGS] } : {}),
      ...(this.config.docsEnabled ? { service_documentation: `${issuer}/docs` } : {}),
      ...openIdProviderMetadata(issuer),
    };
  }
}
