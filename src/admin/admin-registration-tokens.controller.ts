import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdParamDto, PaginationQueryDto } from '../common/dto/page.dto';
import { RegistrationService } from '../registration/registration.service';
import {
  CreateInitialAccessTokenDto,
  CreatedInitialAccessTokenDto,
  InitialAccessTokenDto,
  InitialAccessTokenListDto,
} from '../registration/dto/initial-access-token.dto';
import { AdminBody, AdminRoute } from './admin-route.decorator';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';

@ApiTags('registration')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid body or parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/registration-tokens')
export class AdminRegistrationTokensController {
  constructor(private readonly registration: RegistrationService) {}

  @Post()
  @ApiOperation({ summary: 'Create an initial access token for dynamic client registration (REGISTRATION=token); its value is shown only here' })
  @ApiCreatedResponse({ type: CreatedInitialAccessTokenDto })
  @AdminBody()
  async create(@Body() dto: CreateInitialAccessTokenDto): Promise<CreatedInitialAccessTokenDto> {
    const { token, row } = await this.registration.createInitialAccessToken({ description: dto.description, expiresIn: dto.expires_in, uses: dto.uses });
    return { initial_access_token: token, ...InitialAccessTokenDto.from(row) };
  }

  @Get()
  @ApiOperation({ summary: 'List initial access tokens (never their values)' })
  @ApiOkResponse({ type: InitialAccessTokenListDto })
  async list(@Query() query: PaginationQueryDto): Promise<InitialAccessTokenListDto> {
    const [rows, total] = await this.registration.listInitialAccessTokens(query.limit, query.offset);
    return { data: rows.map((r) => InitialAccessTokenDto.from(r)), total };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraw an initial access token' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@Param() { id }: IdParamDto): Promise<void> {
    if (!(await this.registration.deleteInitialAccessToken(id))) throw new NotFoundException(`registration token ${id} not found`);
  }
}
