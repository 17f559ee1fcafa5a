import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Token } from '../tokens/token.entity';
import { TokensService } from '../tokens/tokens.service';
import { AuditService } from '../audit/audit.service';
import { AdminRoute } from './admin-route.decorator';
import { IdParamDto } from '../common/dto/page.dto';
import { ClientIp } from '../common/client-ip.decorator';
import { TokenDto, TokenListDto, TokenListQueryDto } from '../tokens/dto/token.dto';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';

@ApiTags('tokens')
@AdminRoute()
@ApiBadRequestResponse({ description: 'Invalid query or path parameter: each bad field is named', type: ValidationErrorDto })
@Controller('admin/tokens')
export class AdminTokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List issued tokens, oldest first: their metadata and state, never the token values' })
  @ApiOkResponse({ type: TokenListDto })
  async list(@Query() query: TokenListQueryDto): Promise<TokenListDto> {
    const [tokens, total] = await this.tokens.list({ clientId: query.client_id, userId: query.user_id }, query.limit, query.offset);
    return { data: tokens.map((t) => this.describe(t)), total };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token: its access token and its refresh token (idempotent)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async revoke(@Param() { id }: IdParamDto, @ClientIp() ip: string): Promise<void> {
    const token = await this.tokens.findById(id);
    if (!token) throw new NotFoundException(`token ${id} not found`);
    await this.tokens.revokeById(id);
    this.audit.record({ type: 'token.revoked', clientId: token.clientId, userId: token.userId, ip, detail: { token_id: id, by: 'admin' } });
  }

  private describe(token: Token): TokenDto {
    const accessState = this.tokens.accessTokenState(token);
    const hasRefresh = token.refreshTokenHash !== null;
    return {
      id: token.id,
      client_id: token.clientId,
      user_id: token.userId,
      token_type: token.tokenType,
      scope: token.scope,
      issued_at: token.issuedAt,
      expires_at: this.tokens.accessTokenExpiresAt(token),
      active: accessState === 'active',
      revoked: accessState === 'revoked',
      access_token_state: accessState,
      access_token_revoked_at: token.accessTokenRevokedAt,
      has_refresh_token: hasRefresh,
      refresh_token_expires_at: hasRefresh ? this.tokens.refreshTokenExpiresAt(token) : null,
      refresh_token_state: hasRefresh ? this.tokens.refreshTokenState(token) : null,
      refresh_token_revoked_at: hasRefresh ? token.refreshTokenRevokedAt : null,
      parent_id: token.parentId,
    };
  }
}
