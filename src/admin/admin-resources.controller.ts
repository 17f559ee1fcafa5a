import { Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClientIp } from '../common/client-ip.decorator';
import { IdParamDto, PaginationQueryDto } from '../common/dto/page.dto';
import { CreateResourceServerDto, ResourceServerDto, ResourceServerListDto } from '../resources/dto/resource-server.dto';
import { ResourceServerError, ResourceServersService } from '../resources/resource-servers.service';
import { AdminBody, AdminRoute } from './admin-route.decorator';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';
import { invalidFields } from './admin-errors';

@ApiTags('resources')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid body or parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/resources')
export class AdminResourcesController {
  constructor(private readonly resources: ResourceServersService) {}

  @Post()
  @ApiOperation({ summary: 'Register a resource server (RFC 8707): clients may then ask for tokens whose audience is only it' })
  @ApiCreatedResponse({ type: ResourceServerDto })
  @ApiConflictResponse({ description: 'The identifier is already registered', type: ErrorDto })
  @AdminBody()
  async create(@Body() dto: CreateResourceServerDto, @ClientIp() ip: string): Promise<ResourceServerDto> {
    try {
      const created = await this.resources.create(dto.identifier, dto.scopes, ip);
      if (!created) throw new ConflictException('a resource server with this identifier exists');
      return ResourceServerDto.from(created);
    } catch (err) {
      if (err instanceof ResourceServerError) throw invalidFields(err.fields);
      throw err;
    }
  }

  @Get()
  @ApiOperation({ summary: 'List resource servers, the built-in /api/profile first' })
  @ApiOkResponse({ type: ResourceServerListDto })
  async list(@Query() query: PaginationQueryDto): Promise<ResourceServerListDto> {
    const [rows, total] = await this.resources.list(query.limit, query.offset);
    return { data: rows.map((r) => ResourceServerDto.from(r)), total };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a resource server: tokens already issued for it keep their audience until they expire' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@Param() { id }: IdParamDto, @ClientIp() ip: string): Promise<void> {
    if (!(await this.resources.delete(id, ip))) throw new NotFoundException(`resource server ${id} not found`);
  }
}
