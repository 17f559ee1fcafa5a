import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../../common/dto/optional.decorator';
import { PageDto } from '../../common/dto/page.dto';
import { InitialAccessToken } from '../initial-access-token.entity';

/** A new initial access token (REGISTRATION=token). */
export class CreateInitialAccessTokenDto {
  @ApiPropertyOptional({ description: 'What the token is for (who received it)', maxLength: 200, example: 'ACME agent platform' })
  @Optional()
  @MaxLength(200)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ description: 'Seconds until it expires (at most a year)', type: 'integer', default: 86400, minimum: 60, maximum: 31_536_000 })
  @Optional()
  @Max(31_536_000)
  @Min(60)
  @IsInt()
  expires_in?: number;

  @ApiPropertyOptional({ description: 'How many clients it may register', type: 'integer', default: 1, minimum: 1, maximum: 100_000 })
  @Optional()
  @Max(100_000)
  @Min(1)
  @IsInt()
  uses?: number;
}

/** An initial access token as listed: never its value. */
export class InitialAccessTokenDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ type: String, nullable: true, example: 'ACME agent platform' })
  description: string | null;

  @ApiProperty({ description: 'Seconds since the epoch', example: 1764400000 })
  created_at: number;

  @ApiProperty({ description: 'Seconds since the epoch', example: 1764486400 })
  expires_at: number;

  @ApiProperty({ description: 'Registrations it still allows', example: 1 })
  uses_left: number;

  static from(row: InitialAccessToken): InitialAccessTokenDto {
    return { id: row.id, description: row.description, created_at: row.createdAt, expires_at: row.expiresAt, uses_left: row.usesLeft };
  }
}

/** The token in the clear, answered only on creation (only its SHA-256 digest is stored). */
export class CreatedInitialAccessTokenDto extends InitialAccessTokenDto {
  @ApiProperty({ description: 'Send it as `Authorization: Bearer` to the registration endpoint; shown only here', example: 'ycq6IuxLPdOrtwG71bVVFKCIygZ0l3l5z78PpjAQ1a4' })
  initial_access_token: string;
}

export class InitialAccessTokenListDto extends PageDto(InitialAccessTokenDto, 'Initial access tokens') {}
