import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { GRANT_TYPES, GrantType, RESPONSE_TYPES, ResponseType, SCOPES_SUPPORTED, TOKEN_ENDPOINT_AUTH_METHODS, TokenEndpointAuthMethod } from '../../common/oauth-types';
import { Optional } from './optional.decorator';

const URI_MAX = 2000;

/**
 * RFC 7591 §2 client metadata as the admin API accepts it. These checks are about shape (types,
 * lengths, known values); the rules between fields (redirect URIs, grant/response type pairs, scope)
 * live in ClientsService via normalizeClientMetadata, so every entry point applies the same ones.
 */
export class ClientMetadataDto {
  /** Declared by CreateClientDto (required) and UpdateClientDto (optional). */
  client_name?: string;

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

  @ApiPropertyOptional({ description: 'People responsible for the client (e-mail addresses), at most 20', type: [String], maxItems: 20, example: ['ops@example.com'] })
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
    type: [String],
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

  @ApiPropertyOptional({ description: 'First-party client: never asks the user for consent', default: false })
  @Optional()
  @IsBoolean()
  skip_consent?: boolean;

  @ApiPropertyOptional({ description: "Resource server: may introspect every client's tokens (RFC 7662), not only its own", default: false })
  @Optional()
  @IsBoolean()
  introspection?: boolean;
}
