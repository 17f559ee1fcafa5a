import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SessionListDto, SessionDto } from '../sessions/dto/session.dto';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AdminRoute } from './admin-route.decorator';
import { IdParamDto, PaginationQueryDto } from '../common/dto/page.dto';
import { ClientIp } from '../common/client-ip.decorator';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';

/** A user's sign-in sessions: list them, or end them all (e.g. a lost laptop). */
@ApiTags('users')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid query or path parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/users/:id/sessions')
export class AdminSessionsController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: "List a user's sign-in sessions, newest first (never the cookie values)" })
  @ApiOkResponse({ type: SessionListDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  async list(@Param() { id }: IdParamDto, @Query() query: PaginationQueryDto): Promise<SessionListDto> {
    await this.userOrFail(id);
    const [sessions, total] = await this.sessions.listForUser(id, query.limit, query.offset);
    return { data: sessions.map((s) => SessionDto.from(s, this.sessions.isActive(s))), total };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: "End every open sign-in session of a user: their cookies sign no one in any more" })
  @ApiNoContentResponse({ description: 'Ended (also when none was open)' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async endAll(@Param() { id }: IdParamDto, @ClientIp() ip: string): Promise<void> {
    await this.userOrFail(id);
    await this.sessions.endAllForUser(id, 'admin', ip);
  }

  private async userOrFail(id: number): Promise<void> {
    if (!(await this.users.findById(id))) throw new NotFoundException(`user ${id} not found`);
  }
}
