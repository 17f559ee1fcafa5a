import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength, ValidateBy } from 'class-validator';
import { PageDto } from '../../common/dto/page.dto';
import { User } from '../user.entity';
import { checkUsername } from '../username';

/** A name that has a canonical form (RFC 8265 UsernameCaseMapped); the message names the rule broken. */
function IsUsername(): PropertyDecorator {
  return ValidateBy({
    name: 'isUsername',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && checkUsername(value).ok,
      defaultMessage: (args) => {
        const check = checkUsername(String(args?.value ?? ''));
        return check.ok ? 'is not a valid username' : check.rule;
      },
    },
  });
}

/** A new user (admin API, console sign-up, CLI). */
export class CreateUserDto {
  @ApiProperty({
    description:
      'Sign-in name: 1 to 64 letters (any script), digits, combining marks or . _ @ -. Compared in its RFC 8265 canonical form (fullwidth to ordinary width, lower case, NFC): `Alice` and `ａｌｉｃｅ` are the same name; spaces, control and invisible characters (zero-width, bidi controls) are refused.',
    example: 'alice',
    minLength: 1,
    maxLength: 64,
  })
  @IsUsername()
  @Length(1, 64)
  @IsString()
  username: string;

  @ApiProperty({ description: 'Password, 8 to 1024 characters; stored only as an argon2id hash', example: 'correct horse battery staple', minLength: 8, maxLength: 1024 })
  @Length(8, 1024)
  @IsString()
  password: string;

  @ApiPropertyOptional({ description: 'Email address (shown to clients granted the `email` scope), or null for none', example: 'alice@example.com', maxLength: 254, nullable: true, type: String })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  @IsString()
  email?: string | null;
}

/**
 * Any subset of the user's fields, each checked as on creation; `email: null` removes the address
 * (username and password may not be null). A new password replaces the hash.
 */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {}

/** A user as the admin API shows it: never the password hash. */
export class UserDto {
  @ApiProperty({ description: 'Numeric id (the `sub` of introspection, as a string)', example: 1 })
  id: number;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ type: String, nullable: true, example: 'alice@example.com' })
  email: string | null;

  @ApiProperty({ description: 'Creation time, seconds since the epoch', example: 1764400000 })
  created_at: number;

  static from(user: User): UserDto {
    return { id: user.id, username: user.username, email: user.email, created_at: user.createdAt };
  }
}

export class UserListDto extends PageDto(UserDto, 'Users') {}
