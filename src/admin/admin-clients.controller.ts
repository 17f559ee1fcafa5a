import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ClientsService } from '../clients/clients.service';
import { ClientDto, ClientListDto, ClientListQueryDto, ClientWithSecretDto, CreateClientDto, UpdateClientDto } from '../clients/dto/client.dto';
import { ClientIp } from '../common/client-ip.decorator';
import { AdminBody, AdminRoute } from './admin-route.decorator';
import { ErrorDto, ValidationErrorDto } from './dto/error.dto';

const CLIENT_ID_PARAM = { name: 'client_id', description: 'The client identifier', type: String };

@ApiTags('clients')
@AdminRoute()
@Controller('admin/clients')
export class AdminClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  @ApiOperation({ summary: 'Register a client (RFC 7591 metadata); the answer holds the secret, shown only here' })
  @ApiCreatedResponse({ type: ClientWithSecretDto })
  @ApiBadRequestResponse({ description: 'Invalid metadata: each bad field is named', type: ValidationErrorDto })
  @AdminBody()
  async create(@Body() dto: CreateClientDto, @ClientIp() ip: string): Promise<ClientWithSecretDto> {
    const { client, secret } = await this.clients.create({ ...dto }, null, ip);
    return ClientWithSecretDto.withSecret(client, secret);
  }

  @Get()
  @ApiOperation({ summary: 'List clients, oldest first (never their secrets)' })
  @ApiOkResponse({ type: ClientListDto })
  @ApiBadRequestResponse({ description: 'Invalid query parameter', type: ValidationErrorDto })
  async list(@Query() query: ClientListQueryDto): Promise<ClientListDto> {
    const [clients, total] = await this.clients.list({ userId: query.user_id }, query.limit, query.offset);
    return { data: clients.map((c) => ClientDto.from(c)), total };
  }

  @Get(':client_id')
  @ApiOperation({ summary: 'Get one client (never its secret)' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  async get(@Param('client_id') clientId: string): Promise<ClientDto> {
    const client = await this.clients.findByClientId(clientId);
    if (!client) throw clientNotFound();
    return ClientDto.from(client);
  }

  @Patch(':client_id')
  @ApiOperation({
    summary: 'Change client metadata',
    description:
      'The fields given replace the stored ones and the whole is checked again. Turning a public client ' +
      'confidential issues a secret, answered once in `client_secret`; turning it public drops the secret.',
  })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientWithSecretDto })
  @ApiBadRequestResponse({ description: 'Invalid metadata, or the result is invalid: each bad field is named', type: ValidationErrorDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @AdminBody()
  async update(@Param('client_id') clientId: string, @Body() dto: UpdateClientDto, @ClientIp() ip: string): Promise<ClientWithSecretDto> {
    const updated = await this.clients.update(clientId, { ...dto }, ip);
    if (!updated) throw clientNotFound();
    return ClientWithSecretDto.withSecret(updated.client, updated.secret);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a client with its codes and tokens' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@Param('client_id') clientId: string, @ClientIp() ip: string): Promise<void> {
    if (!(await this.clients.delete(clientId, ip))) throw clientNotFound();
  }

  @Post(':client_id/vet')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Vet a client a console user registered: the operator has reviewed it. Until then its malformed authorization requests get the server's error page instead of a redirect, and its consent page warns that nobody reviewed it",
  })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  async vet(@Param('client_id') clientId: string, @ClientIp() ip: string): Promise<ClientDto> {
    const client = await this.clients.vet(clientId, ip);
    if (!client) throw clientNotFound();
    return ClientDto.from(client);
  }

  @Post(':client_id/secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the client secret: the old one stops working at once; the new one is shown only here' })
  @ApiParam(CLIENT_ID_PARAM)
  @ApiOkResponse({ type: ClientWithSecretDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ description: 'A public client (token_endpoint_auth_method "none") has no secret', type: ErrorDto })
  async rotateSecret(@Param('client_id') clientId: string, @ClientIp() ip: string): Promise<ClientWithSecretDto> {
    // A public client throws PublicClientHasNoSecretError: 409 through AdminExceptionFilter.
    const rotated = await this.clients.rotateSecret(clientId, ip);
    if (!rotated) throw clientNotFound();
    return ClientWithSecretDto.withSecret(rotated.client, rotated.secret);
  }
}

function clientNotFound(): NotFoundException {
  return new NotFoundException('client not found');
}
