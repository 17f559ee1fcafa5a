import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { AuditEventDto, AuditEventListDto, AuditEventListQueryDto } from '../audit/dto/audit-event.dto';
import { AdminRoute } from './admin-route.decorator';
import { ValidationErrorDto } from './dto/error.dto';

@ApiTags('events')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid query parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/events')
export class AdminEventsController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'List audit events, newest first',
    description: 'Sign-ins, lockouts, consents, tokens issued and revoked, replays, admin changes. Kept AUDIT_RETENTION_DAYS days.',
  })
  @ApiOkResponse({ type: AuditEventListDto })
  async list(@Query() query: AuditEventListQueryDto): Promise<AuditEventListDto> {
    // Events still queued in this process are written first, so a listing right after an act shows
    // it; not for longer than a second when the database is refusing them.
    await this.audit.flush(1000);
    const [rows, total] = await this.audit.list(
      { type: query.type, userId: query.user_id, clientId: query.client_id, since: query.since },
      query.limit,
      query.offset,
    );
    return { data: rows.map((r) => AuditEventDto.from(r)), total };
  }
}
