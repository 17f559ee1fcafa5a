import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { USERNAME_PATTERN } from './create-user.dto';
import { Optional } from './optional.decorator';

/** Any subset of the user's fields; `email: null` removes the address. A new password replaces the hash. */
export class UpdateUserDto {
  @ApiPropertyOptional({ description: 'New sign-in name: 1 to 64 letters, digits or . _ @ -', example: 'alice', minLength: 1, maxLength: 64, pattern: USERNAME_PATTERN.source })
  @Optional()
  @Matches(USERNAME_PATTERN, { message: 'may contain only letters, digits and . _ @ -' })
  @Length(1, 64)
  @IsString()
  username?: string;

  @ApiPropertyOptional({ description: 'New password, 8 to 1024 characters', minLength: 8, maxLength: 1024 })
  @Optional()
  @Length(8, 1024)
  @IsString()
  password?: string;

  @ApiPropertyOptional({ description: 'New email address, or null to remove it', example: 'alice@example.com', maxLength: 254, nullable: true, type: String })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  @IsString()
  email?: string | null;
}
