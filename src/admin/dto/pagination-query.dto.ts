import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_LIMIT = 200;

/** `limit` and `offset` of every admin listing. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ description: `Rows per page (1 to ${MAX_LIMIT})`, default: 50, minimum: 1, maximum: MAX_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_LIMIT)
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Rows to skip', default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @Max(2_147_483_647)
  @Min(0)
  @IsInt()
  offset: number = 0;
}
