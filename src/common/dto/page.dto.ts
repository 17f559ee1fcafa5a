import { Type as ClassType, applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const MAX_LIMIT = 200;
/** The largest id a path or query parameter may name (a signed 32-bit INT column). */
export const MAX_ID = 2_147_483_647;

/** One page of a listing: `{ "data": [...], "total": N }`. */
export interface Page<T> {
  data: T[];
  /** Rows in all pages. */
  total: number;
}

/** `limit` and `offset` of every listing. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ description: `Rows per page (1 to ${MAX_LIMIT})`, type: 'integer', default: 50, minimum: 1, maximum: MAX_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_LIMIT)
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Rows to skip', type: 'integer', default: 0, minimum: 0, maximum: MAX_ID })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_ID)
  @Min(0)
  @IsInt()
  offset: number = 0;
}

/*
 * Filters of the listings. The decorators are listed bottom-up, the order in which stacked
 * decorators apply, so validation reports exactly as the stacked form would.
 */
/** An optional query filter naming a row id (`?user_id=7`). */
export function IdFilter(description: string): PropertyDecorator {
  return applyDecorators(IsInt(), Min(1), Max(MAX_ID), Type(() => Number), IsOptional(), ApiPropertyOptional({ description, type: 'integer', minimum: 1, maximum: MAX_ID }));
}

/** An optional query filter naming a client (`?client_id=…`). */
export function ClientIdFilter(description: string): PropertyDecorator {
  return applyDecorators(IsString(), MaxLength(64), IsOptional(), ApiPropertyOptional({ description, maxLength: 64 }));
}

/** A numeric row id in the path (`/admin/users/:id`, `/admin/tokens/:id`). */
export class IdParamDto {
  @ApiProperty({ description: 'Numeric id', type: 'integer', example: 1, minimum: 1, maximum: MAX_ID })
  @Type(() => Number)
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  id: number;
}

/** The Swagger schema of `Page<item>`; subclass it to name it (`class UserListDto extends PageDto(UserDto, 'Users') {}`). */
export function PageDto<T>(item: ClassType<T>, rows: string): ClassType<Page<T>> {
  class PageOf implements Page<T> {
    @ApiProperty({ type: [item] })
    data: T[];

    @ApiProperty({ description: `${rows} in all pages`, example: 1 })
    total: number;
  }
  return PageOf;
}
