import { ApiProperty } from '@nestjs/swagger';
import { UserDto } from './user.dto';

export class UserListDto {
  @ApiProperty({ type: [UserDto] })
  data: UserDto[];

  @ApiProperty({ description: 'Users in all pages', example: 1 })
  total: number;
}
