import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A numeric row id in the path (`/admin/users/:id`, `/admin/tokens/:id`). */
export class IdParamDto {
  @ApiProperty({ description: 'Numeric id', example: 1, minimum: 1 })
  @Type(() => Number)
  @Max(2_147_483_647)
  @Min(1)
  @IsInt()
  id: number;
}
