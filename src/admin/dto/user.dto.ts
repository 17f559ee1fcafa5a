import { ApiProperty } from '@nestjs/swagger';
import { User } from '../../users/user.entity';

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
