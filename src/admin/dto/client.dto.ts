import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Client } from '../../clients/client.entity';
import { GRANT_TYPES, GrantType, RESPONSE_TYPES, ResponseType, TOKEN_ENDPOINT_AUTH_METHODS, TokenEndpointAuthMethod } from '../../common/oauth-types';

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

  @ApiProperty({ type: Number, nullable: true, description: 'Owning user, null for clients registered by the operator', example: null })
  user_id: number | null;

  static from(client: Client): ClientDto {
    return {
      client_id: client.clientId,
      client_id_issued_at: client.clientIdIssuedAt,
      client_secret_expires_at: client.clientSecretExpiresAt,
      ...client.metadata,
      user_id: client.userId,
    };
  }
}
