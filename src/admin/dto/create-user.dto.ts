import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]+$/;

export class CreateUserDto {
  @ApiProperty({
    description: 'Sign-in name: 1 to 64 letters, digits or . _ @ -',
    example: 'alice',
    minLength: 1,
    maxLength: 64,
    pattern: USERNAME_PATTERN.source,
  })
  @Matches(USERNAME_PATTERN, { message: 'may contain only letters, digits and . _ @ -' })
  @Length(1, 64)
  @IsString()
  username: string;

  @ApiProperty({ description: 'Password, 8 to 1024 characters; stored only as an argon2id hash', example: 'correct horse battery staple', minLength: 8, maxLength: 1024 })
  @Length(8, 1024)
  @IsString()
  password: string;

  @ApiPropertyOptional({ description: 'Email address (shown to clients granted the `email` scope)', example: 'alice@example.com', maxLength: 254, nullable: true })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  @IsString()
  email?: string | null;
}
