import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PaginationQueryDto } from './pagination-query.dto';

export class TokenListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only tokens issued to this client' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  client_id?: string;

  @ApiPropertyOptional({ description: 'Only tokens issued for this user' })
  @IsOptional()
  @Type(() => Number)
  @Max(2_147_483_647)
  @Min(1)
  @IsInt()
  user_id?: number;
}
