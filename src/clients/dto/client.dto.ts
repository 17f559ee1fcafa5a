import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsString, MaxLength } from 'class-validator';
import { Optional } from '../../common/dto/optional.decorator';
import { IdFilter, PageDto, PaginationQueryDto } from '../../common/dto/page.dto';
import {
  ACCESS_TOKEN_FORMATS,
  AccessTokenFormat,
  GRANT_TYPES,
  GrantType,
  ID_TOKEN_SIGNING_ALGS,
  IdTokenSigningAlg,
  RESPONSE_TYPES,
  ResponseType,
  SCOPES_SUPPORTED,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TokenEndpointAuthMethod,
} from '../../common/oauth-types';
import { Client } from '../client.entity';
import { clientOidcDefaults } from '../client-metadata';

const URI_MAX = 2000;

/**
 * A new client: RFC 7591 §2 metadata, only client_name required. These checks are about shape
 * (types, lengths, known values); the rules between fields (redirect URIs, grant/response type
 * pairs, scope) live in ClientsService via normalizeClientMetadata, so every entry point applies
 * the same ones.
 */
export class CreateClientDto {
  @ApiProperty({ description: 'Name shown on the consent page', example: 'Example App', maxLength: 200 })
  @MaxLength(200)
  @IsString()
  client_name: string;

  @ApiPropertyOptional({ description: 'Home page of the client, shown on the consent page (http or https)', example: 'https://app.example.com', maxLength: URI_MAX })
  @Optional()
  @MaxLength(URI_MAX)
  @IsString()
  client_uri?: string;

  @ApiPropertyOptional({ description: 'Logo URL (http or https)', maxLength: URI_MAX })
  @Optional()
  @MaxLength(URI_MAX)
  @IsString()
  logo_uri?: string;

  @ApiPropertyOptional({ description: 'Terms of service URL (http or https)', maxLength: URI_MAX })
  @Optional()
  @MaxLength(URI_MAX)
  @IsString()
  tos_uri?: string;

  @ApiPropertyOptional({ description: 'Privacy policy URL (http or https)', maxLength: URI_MAX })
  @Optional()
  @MaxLength(URI_MAX)
  @IsString()
  policy_uri?: string;

  @ApiPropertyOptional({ description: 'People responsible for the client (e-mail addresses), at most 20', type: 'array', items: { type: 'string', maxLength: 254 }, maxItems: 20, example: ['ops@example.com'] })
  @Optional()
  @MaxLength(254, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  contacts?: string[];

  @ApiPropertyOptional({
    description: `Space-separated scopes the client may request (known: ${SCOPES_SUPPORTED.join(', ')}); default "profile"`,
    example: 'profile email',
    maxLength: 1000,
  })
  @Optional()
  @MaxLength(1000)
  @IsString()
  scope?: string;

  @ApiPropertyOptional({
    description:
      'Exact redirect URIs (RFC 6749 §3.1.2): https, http only on a loopback host, or a private-use scheme such as com.example.app:/cb; ' +
      'never a fragment or user information. Required with the authorization_code and implicit grants. At most 20, each at most 2000 characters.',
    type: 'array',
    items: { type: 'string', maxLength: URI_MAX },
    maxItems: 20,
    example: ['https://app.example.com/callback'],
  })
  @Optional()
  @MaxLength(URI_MAX, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  redirect_uris?: string[];

  @ApiPropertyOptional({
    description: 'Grant types (default: derived from response_types, else ["authorization_code"]). "code" goes with authorization_code, "token" with implicit.',
    enum: GRANT_TYPES,
    isArray: true,
    example: ['authorization_code', 'refresh_token'],
  })
  @Optional()
  @IsIn(GRANT_TYPES, { each: true })
  @ArrayMaxSize(GRANT_TYPES.length)
  @IsArray()
  grant_types?: GrantType[];

  @ApiPropertyOptional({ description: 'Response types (default: derived from grant_types, else ["code"])', enum: RESPONSE_TYPES, isArray: true, example: ['code'] })
  @Optional()
  @IsIn(RESPONSE_TYPES, { each: true })
  @ArrayMaxSize(RESPONSE_TYPES.length)
  @IsArray()
  response_types?: ResponseType[];

  @ApiPropertyOptional({
    description: 'How the client authenticates at the token endpoint (default client_secret_basic); "none" is a public client without a secret',
    enum: TOKEN_ENDPOINT_AUTH_METHODS,
    example: 'client_secret_basic',
  })
  @Optional()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS)
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({
    description:
      'Browser origins (scheme://host[:port], https or loopback http) whose pages may call the token and revocation endpoints (CORS). ' +
      'Empty (the default): a public client gets the origins of its redirect URIs, a confidential one none. At most 20.',
    type: 'array',
    items: { type: 'string', maxLength: URI_MAX },
    maxItems: 20,
    example: ['https://app.example.com'],
  })
  @Optional()
  @MaxLength(URI_MAX, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  allowed_cors_origins?: string[];

  @ApiPropertyOptional({ description: 'First-party client: never asks the user for consent', default: false })
  @Optional()
  @IsBoolean()
  skip_consent?: boolean;

  @ApiPropertyOptional({ description: "Resource server: may introspect every client's tokens (RFC 7662), not only its own", default: false })
  @Optional()
  @IsBoolean()
  introspection?: boolean;

  @ApiPropertyOptional({
    description: 'OpenID Connect RP-Initiated Logout: where the end-session endpoint may return the browser. Checked like redirect_uris. At most 20.',
    type: 'array',
    items: { type: 'string', maxLength: URI_MAX },
    maxItems: 20,
    example: ['https://app.example.com/signed-out'],
  })
  @Optional()
  @MaxLength(URI_MAX, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  post_logout_redirect_uris?: string[];

  @ApiPropertyOptional({ description: 'Access tokens as random strings (opaque) or RFC 9068 JWTs a resource server can verify from the JWKS', enum: ACCESS_TOKEN_FORMATS, default: 'opaque' })
  @Optional()
  @IsIn(ACCESS_TOKEN_FORMATS)
  access_token_format?: AccessTokenFormat;

  @ApiPropertyOptional({ description: "JWS algorithm of this client's OpenID Connect ID tokens", enum: ID_TOKEN_SIGNING_ALGS, default: 'RS256' })
  @Optional()
  @IsIn(ID_TOKEN_SIGNING_ALGS)
  id_token_signed_response_alg?: IdTokenSigningAlg;

  @ApiPropertyOptional({ description: 'RFC 7591 software identifier, the same for every instance of the software', maxLength: 200 })
  @Optional()
  @MaxLength(200)
  @IsString()
  software_id?: string;

  @ApiPropertyOptional({ description: 'RFC 7591 software version', maxLength: 100 })
  @Optional()
  @MaxLength(100)
  @IsString()
  software_version?: string;

  @ApiPropertyOptional({ description: 'OpenID Connect Registration application type', enum: ['web', 'native'], default: 'web' })
  @Optional()
  @IsIn(['web', 'native'])
  application_type?: 'web' | 'native';

  @ApiPropertyOptional({ description: 'RFC 9126: the client must push its authorization requests to /oauth/par first (FAPI 2.0)', default: false })
  @Optional()
  @IsBoolean()
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({ description: 'OpenID Connect: put the granted profile and email claims in the ID token too, not only in userinfo (for relying parties that read only the ID token)', default: false })
  @Optional()
  @IsBoolean()
  id_token_claims?: boolean;

  @ApiPropertyOptional({ description: 'RFC 9449: every access token of this client must be DPoP-bound (a token request without a DPoP proof is refused)', default: false })
  @Optional()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({
    description: 'The client\'s public keys as a JWK Set (RFC 7517), for private_key_jwt client authentication (RFC 7523). Public RSA, EC or OKP keys only, at most 10.',
    type: 'object',
    additionalProperties: true,
    example: {
      keys: [{ kty: 'EC', crv: 'P-256', x: 'fbBKtMT3ujhE2d5LpmZCTh0RExOJPfRY7MffkHbc6G4', y: 'vRkg1gkAfxmyY9I4HCsI7dJvQ0qzGNfoJlmghE-ogGo', kid: 'k1' }],
    },
  })
  @Optional()
  @IsObject()
  jwks?: { keys: Array<Record<string, unknown>> };

  @ApiPropertyOptional({ description: 'Where the server fetches the client\'s JWK Set instead (https; cached). Either jwks or jwks_uri.', maxLength: URI_MAX })
  @Optional()
  @MaxLength(URI_MAX)
  @IsString()
  jwks_uri?: string;
}

/** The RFC 7591 §2 and OpenID Connect Registration fields a registration request may carry; others are ignored (§2). */
export const REGISTRATION_FIELDS = [
  'client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'contacts', 'scope', 'redirect_uris', 'grant_types',
  'response_types', 'token_endpoint_auth_method', 'allowed_cors_origins', 'skip_consent', 'introspection',
  'post_logout_redirect_uris', 'access_token_format', 'id_token_signed_response_alg', 'software_id', 'software_version',
  'application_type',
] as const satisfies ReadonlyArray<keyof CreateClientDto>;

/**
 * A change of metadata: the fields given replace the stored ones, the rest stay, and the whole is
 * checked again. An empty string removes an optional URI; [] removes contacts. No field may be null.
 */
export class UpdateClientDto extends PartialType(CreateClientDto, { skipNullProperties: false }) {}

/** A registered client (RFC 7591 §3.2.1 response, without the secret). */
export class ClientDto {
  @ApiProperty({ description: 'The client identifier (RFC 6749 §2.2)', example: 'pY3bq1Zq8cS0mS0XKj4D6uTgT2m8kLxW' })
  client_id: string;

  @ApiProperty({ description: 'When the client_id was issued, seconds since the epoch', example: 1764400000 })
  client_id_issued_at: number;

  @ApiProperty({ description: 'When the secret expires, seconds since the epoch; 0 means never (RFC 7591 §3.2.1)', example: 0 })
  client_secret_expires_at: number;

  @ApiProperty({ example: 'Example App' })
  client_name: string;

  @ApiPropertyOptional({ example: 'https://app.example.com' })
  client_uri?: string;

  @ApiPropertyOptional()
  logo_uri?: string;

  @ApiPropertyOptional()
  tos_uri?: string;

  @ApiPropertyOptional()
  policy_uri?: string;

  @ApiPropertyOptional({ type: [String] })
  contacts?: string[];

  @ApiProperty({ description: 'Space-separated scopes the client may request', example: 'profile email' })
  scope: string;

  @ApiProperty({ type: [String], example: ['https://app.example.com/callback'] })
  redirect_uris: string[];

  @ApiProperty({ enum: GRANT_TYPES, isArray: true, example: ['authorization_code', 'refresh_token'] })
  grant_types: GrantType[];

  @ApiProperty({ enum: RESPONSE_TYPES, isArray: true, example: ['code'] })
  response_types: ResponseType[];

  @ApiProperty({ enum: TOKEN_ENDPOINT_AUTH_METHODS, example: 'client_secret_basic' })
  token_endpoint_auth_method: TokenEndpointAuthMethod;

  @ApiProperty({ description: 'First-party client: consent is never asked', example: false })
  skip_consent: boolean;

  @ApiProperty({ description: "May introspect every client's tokens", example: false })
  introspection: boolean;

  @ApiProperty({
    type: [String],
    description: 'Browser origins allowed to call the token and revocation endpoints; empty: for a public client the origins of its redirect URIs',
    example: [],
  })
  allowed_cors_origins: string[];
  @ApiProperty({ type: [String], description: 'OpenID Connect post-logout redirect URIs', example: [] })
  post_logout_redirect_uris: string[];

  @ApiProperty({ enum: ACCESS_TOKEN_FORMATS, example: 'opaque' })
  access_token_format: AccessTokenFormat;

  @ApiProperty({ enum: ID_TOKEN_SIGNING_ALGS, example: 'RS256' })
  id_token_signed_response_alg: IdTokenSigningAlg;

  @ApiPropertyOptional()
  software_id?: string;

  @ApiPropertyOptional()
  software_version?: string;

  @ApiPropertyOptional({ enum: ['web', 'native'] })
  application_type?: 'web' | 'native';

  @ApiPropertyOptional({ description: 'Present (true) when the client must use pushed authorization requests (RFC 9126)' })
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({ description: 'Present (true) when the ID token carries the granted profile and email claims too' })
  id_token_claims?: boolean;

  @ApiPropertyOptional({ description: 'Present (true) when the client\'s access tokens must be DPoP-bound (RFC 9449)' })
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The registered JWK Set (private_key_jwt)' })
  jwks?: { keys: Array<Record<string, unknown>> };

  @ApiPropertyOptional({ description: 'Where the JWK Set is fetched from (private_key_jwt)' })
  jwks_uri?: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Owning user, null for clients registered by the operator', example: null })
  user_id: number | null;

  @ApiProperty({
    description: "Whether the operator stands behind the client: true for the operator's own, false for a console user's until vetted (POST /admin/clients/{client_id}/vet)",
    example: true,
  })
  vetted: boolean;

  static from(client: Client): ClientDto {
    return {
      client_id: client.clientId,
      client_id_issued_at: client.clientIdIssuedAt,
      client_secret_expires_at: client.clientSecretExpiresAt,
      ...client.metadata,
      allowed_cors_origins: client.metadata.allowed_cors_origins ?? [],
      // Clients registered before OpenID Connect read as the defaults.
      post_logout_redirect_uris: clientOidcDefaults.postLogoutRedirectUris(client.metadata),
      access_token_format: clientOidcDefaults.accessTokenFormat(client.metadata),
      id_token_signed_response_alg: clientOidcDefaults.idTokenAlg(client.metadata),
      user_id: client.userId,
      vetted: client.vetted,
    };
  }
}

/** A client with its secret in the clear: answered once, on creation or rotation, never stored. */
export class ClientWithSecretDto extends ClientDto {
  @ApiPropertyOptional({
    description: 'The client secret, shown only in this response (only its SHA-256 digest is stored). Absent for public clients ("none").',
    example: 'x9Qm4B0bq4bq1sXo2yJ7s1ZsUeYVnq3R8cI8ZKpW9bE',
  })
  client_secret?: string;

  static withSecret(client: Client, secret: string | null): ClientWithSecretDto {
    const { client_id, ...rest } = ClientDto.from(client);
    // RFC 7591 §3.2.1 order: client_id, client_secret, then the rest.
    return secret ? { client_id, client_secret: secret, ...rest } : { client_id, ...rest };
  }
}

export class ClientListDto extends PageDto(ClientDto, 'Clients') {}

export class ClientListQueryDto extends PaginationQueryDto {
  @IdFilter('Only clients owned by this user')
  user_id?: number;
}
