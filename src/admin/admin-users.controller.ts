import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AdminBody, AdminRoute } from './admin-route.decorator';
import { IdParamDto, PaginationQueryDto } from '../common/dto/page.dto';
import { ClientIp } from '../common/client-ip.decorator';
import { CreateUserDto, UpdateUserDto, UserDto, UserListDto } from '../users/dto/user.dto';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';

@ApiTags('users')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid body, query or path parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (the password is stored as an argon2id hash)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Username already taken', type: ErrorDto })
  @AdminBody()
  async create(@Body() dto: CreateUserDto, @ClientIp() ip: string): Promise<UserDto> {
    return UserDto.from(await this.users.create({ username: dto.username, password: dto.password, email: dto.email ?? null }, ip));
  }

  @Get()
  @ApiOperation({ summary: 'List users, oldest first' })
  @ApiOkResponse({ type: UserListDto })
  async list(@Query() query: PaginationQueryDto): Promise<UserListDto> {
    const [users, total] = await this.users.list(query.limit, query.offset);
    return { data: users.map((u) => UserDto.from(u)), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one user' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  async get(@Param() { id }: IdParamDto): Promise<UserDto> {
    const user = await this.users.findById(id);
    if (!user) throw userNotFound(id);
    return UserDto.from(user);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change username, password or email (a new password ends the user's sign-in sessions and revokes their access and refresh tokens)" })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ description: 'Username already taken', type: ErrorDto })
  @AdminBody()
  async update(@Param() { id }: IdParamDto, @Body() dto: UpdateUserDto, @ClientIp() ip: string): Promise<UserDto> {
    const user = await this.users.update(id, { username: dto.username, password: dto.password, email: dto.email }, ip);
    if (!user) throw userNotFound(id);
    return UserDto.from(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user with their sessions, codes, tokens and owned clients' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@Param() { id }: IdParamDto, @ClientIp() ip: string): Promise<void> {
    // The rows go with the user (ON DELETE CASCADE); ending them first records it in the audit trail.
    await this.sessions.endAllForUser(id, 'user_deleted', ip);
    if (!(await this.users.delete(id, ip))) throw userNotFound(id);
  }
}

function userNotFound(id: number): NotFoundException {
  return new NotFoundException(`user ${id} not found`);
}
