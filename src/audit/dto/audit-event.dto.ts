import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ClientIdFilter, IdFilter, PageDto, PaginationQueryDto } from '../../common/dto/page.dto';
import { AUDIT_EVENT_TYPES } from '../audit.service';
import { AuditEventRow } from '../audit-event.entity';

/** `since` as epoch seconds or an ISO 8601 date-time; anything else stays a string and fails @IsInt. */
function toEpochSeconds({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string' || value === '') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? value : Math.floor(ms / 1000);
}

/** Filters of GET /admin/events; all optional, combined with AND. */
export class AuditEventListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only events of this type', enum: AUDIT_EVENT_TYPES })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES)
  @IsString()
  type?: string;

  @IdFilter('Only events about this user')
  user_id?: number;

  @ClientIdFilter('Only events about this client')
  client_id?: string;

  @ApiPropertyOptional({
    description: 'Only events at or after this time: epoch seconds or an ISO 8601 date-time',
    // A query string either way: documented as the string it is, with both forms in the pattern.
    type: String,
    pattern: '^([0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2}.*)$',
    example: '2026-01-31T00:00:00Z',
  })
  @IsOptional()
  @Transform(toEpochSeconds)
  @Max(253_402_300_799, { message: 'since must be epoch seconds or an ISO 8601 date-time' })
  @Min(0, { message: 'since must be epoch seconds or an ISO 8601 date-time' })
  @IsInt({ message: 'since must be epoch seconds or an ISO 8601 date-time' })
  since?: number;
}

/** One recorded security-relevant act. */
export class AuditEventDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES, example: 'token.issued' })
  type: string;

  @ApiProperty({ description: 'Epoch seconds', example: 1767225600 })
  occurred_at: number;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  user_id: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'pY3bq1Zq8cS0mS0XKj4D6uTgT2m8kLxW' })
  client_id: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The client IP as the server saw it', example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: Object, nullable: true, description: 'Event-specific facts; never a secret', example: { grant_type: 'authorization_code' } })
  detail: Record<string, unknown> | null;

  static from(row: AuditEventRow): AuditEventDto {
    return {
      id: row.id,
      type: row.type,
      occurred_at: row.occurredAt,
      user_id: row.userId,
      client_id: row.clientId,
      ip: row.ip,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    };
  }
}

export class AuditEventListDto extends PageDto(AuditEventDto, 'Events') {}
