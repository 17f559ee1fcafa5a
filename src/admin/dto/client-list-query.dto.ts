import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PaginationQueryDto } from './pagination-query.dto';

export class ClientListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only clients owned by this user' })
  @IsOptional()
  @Type(() => Number)
  @Max(2_147_483_647)
  @Min(1)
  @IsInt()
  user_id?: number;
}
