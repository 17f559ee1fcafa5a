import { ApiProperty } from '@nestjs/swagger';
import { ClientIdFilter, IdFilter, PageDto, PaginationQueryDto } from '../../common/dto/page.dto';
import type { TokenState } from '../tokens.service';

const STATES = ['active', 'expired', 'revoked'];

/** One issued token pair, described: never the token values or their digests. */
export class TokenDto {
  @ApiProperty({ description: 'Row id, for DELETE /admin/tokens/{id}', example: 1 })
  id: number;

  @ApiProperty({ example: 'pY3bq1Zq8cS0mS0XKj4D6uTgT2m8kLxW' })
  client_id: string;

  @ApiProperty({ type: Number, nullable: true, description: 'The resource owner; null for client_credentials tokens', example: 1 })
  user_id: number | null;

  @ApiProperty({ example: 'Bearer' })
  token_type: string;

  @ApiProperty({ example: 'profile' })
  scope: string;

  @ApiProperty({ description: 'Seconds since the epoch', example: 1764400000 })
  issued_at: number;

  @ApiProperty({ description: 'When the access token expires, seconds since the epoch', example: 1764403600 })
  expires_at: number;

  @ApiProperty({ description: 'True while the access token is neither expired nor revoked', example: true })
  active: boolean;

  @ApiProperty({ description: 'True once the access token was revoked', example: false })
  revoked: boolean;

  @ApiProperty({ enum: STATES, example: 'active' })
  access_token_state: TokenState;

  @ApiProperty({ type: Number, nullable: true, example: null })
  access_token_revoked_at: number | null;

  @ApiProperty({ description: 'Whether a refresh token was issued with it', example: true })
  has_refresh_token: boolean;

  @ApiProperty({ type: Number, nullable: true, description: 'When the refresh token stops working; null without one', example: 1764407200 })
  refresh_token_expires_at: number | null;

  @ApiProperty({ enum: STATES, nullable: true, example: 'active' })
  refresh_token_state: TokenState | null;

  @ApiProperty({ type: Number, nullable: true, example: null })
  refresh_token_revoked_at: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The token this one was rotated from (refresh)', example: null })
  parent_id: number | null;
}

export class TokenListDto extends PageDto(TokenDto, 'Tokens') {}

export class TokenListQueryDto extends PaginationQueryDto {
  @ClientIdFilter('Only tokens issued to this client')
  client_id?: string;

  @IdFilter('Only tokens issued for this user')
  user_id?: number;
}
