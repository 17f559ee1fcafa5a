import { ConflictException, Controller, Get, NotFoundException, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Client } from '../clients/client.entity';
import { ClientMetadataError, ClientMetadataInput } from '../clients/client-metadata';
import { ClientsService, PublicClientHasNoSecretError } from '../clients/clients.service';
import { CreateClientDto, UpdateClientDto } from '../clients/dto/client.dto';
import { parseScope } from '../common/oauth-types';
import { ConsentsService } from '../consents/consents.service';
import { CsrfGuard } from '../web/csrf.guard';
import { SessionService } from '../web/session.service';
import { sendPage } from '../web/views/send-page';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { clientFormValues, clientMetadataFromForm, clientToFormValues, consoleFieldErrors, formBody, validateAs } from './console-form';
import { ConsolePageFilter } from './console-page.filter';
import { clientFormView, ClientFormValues, NEW_CLIENT_DEFAULTS } from './views/client-form.view';
import { clientSecretView } from './views/client-secret.view';
import { consoleView } from './views/console.view';

/** Confirmations after a redirect, by key (never text from the request). */
const NOTICES: Record<string, string> = {
  deleted: 'The client was deleted, with all its tokens.',
  saved: 'Your changes were saved.',
  revoked: 'Access revoked: the app can no longer use your account until you authorize it again.',
};

/** More clients than anyone registers by hand; the list shows them all. */
const MAX_CLIENTS = 200;

/**
 * The developer console for a signed-in user: register, edit, rotate and delete one's own clients
 * (someone else's client is a 404), and revoke the apps one has authorized. Every POST carries a
 * CSRF token.
 */
@ApiExcludeController()
@UseFilters(ConsolePageFilter)
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly consents: ConsentsService,
  ) {}

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('done') done?: string): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const [clients] = await this.clients.list({ userId: user.id }, MAX_CLIENTS, 0);
    const grants = await this.consents.listForUser(user.id);
    const authorizedApps = [];
    for (const grant of grants) {
      const client = await this.clients.findByClientId(grant.clientId);
      if (!client) continue;
      authorizedApps.push({
        clientId: client.clientId,
        name: client.metadata.client_name,
        clientUri: client.metadata.client_uri,
        scopes: parseScope(grant.scope),
        updatedAt: grant.updatedAt,
      });
    }
    sendPage(
      reply,
      200,
      consoleView({
        csrfToken: reply.generateCsrf(),
        username: user.username,
        notice: typeof done === 'string' ? NOTICES[done] : undefined,
        clients: clients.map((c) => ({
          clientId: c.clientId,
          name: c.metadata.client_name,
          authMethod: c.metadata.token_endpoint_auth_method,
          redirectUris: c.metadata.redirect_uris,
        })),
        authorizedApps,
      }),
    );
  }

  @Get('clients/new')
  async newClient(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    this.sendForm(reply, 200, user, NEW_CLIENT_DEFAULTS, {});
  }

  @Post('clients')
  @UseGuards(CsrfGuard)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const values = clientFormValues(formBody(req));
    const { errors: dtoErrors, value } = await validateAs(CreateClientDto, clientMetadataFromForm(values));
    const errors = { ...consoleFieldErrors(values), ...dtoErrors };
    if (Object.keys(errors).length) return this.sendForm(reply, 400, user, values, errors);
    try {
      const { client, secret } = await this.clients.create({ ...value } as ClientMetadataInput, user.id, req.ip);
      sendPage(
        reply,
        201,
        clientSecretView({ username: user.username, heading: 'Client registered', clientId: client.clientId, clientName: client.metadata.client_name, secret }),
      );
    } catch (err) {
      if (err instanceof ClientMetadataError) return this.sendForm(reply, 400, user, values, err.fields);
      throw err;
    }
  }

  @Get('clients/:client_id')
  async edit(@Param('client_id') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const client = await this.ownClientOrFail(user, clientId);
    this.sendForm(reply, 200, user, clientToFormValues(client), {}, client.clientId);
  }

  @Post('clients/:client_id')
  @UseGuards(CsrfGuard)
  async update(@Param('client_id') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const client = await this.ownClientOrFail(user, clientId);
    const values = clientFormValues(formBody(req));
    const { errors: dtoErrors, value } = await validateAs(UpdateClientDto, clientMetadataFromForm(values));
    const errors = { ...consoleFieldErrors(values), ...dtoErrors };
    if (Object.keys(errors).length) return this.sendForm(reply, 400, user, values, errors, client.clientId);
    try {
      const updated = await this.clients.update(client.clientId, { ...value } as ClientMetadataInput, req.ip);
      if (!updated) throw new NotFoundException('This client does not exist, or it is not yours.');
      if (updated.secret) {
        // Turned confidential: the new secret is shown once, here.
        sendPage(
          reply,
          200,
          clientSecretView({ username: user.username, heading: 'Client saved', clientId: client.clientId, clientName: updated.client.metadata.client_name, secret: updated.secret }),
        );
        return;
      }
      reply.redirect('/console?done=saved', 303);
    } catch (err) {
      if (err instanceof ClientMetadataError) return this.sendForm(reply, 400, user, values, err.fields, client.clientId);
      throw err;
    }
  }

  @Post('clients/:client_id/secret')
  @UseGuards(CsrfGuard)
  async rotate(@Param('client_id') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const client = await this.ownClientOrFail(user, clientId);
    const rotated = await this.clients.rotateSecret(client.clientId, req.ip).catch((err: unknown) => {
      if (err instanceof PublicClientHasNoSecretError) throw new ConflictException('A public client (token endpoint auth method "none") has no secret to rotate.');
      throw err;
    });
    if (!rotated) throw new NotFoundException('This client does not exist, or it is not yours.');
    sendPage(
      reply,
      200,
      clientSecretView({ username: user.username, heading: 'New client secret', clientId: client.clientId, clientName: client.metadata.client_name, secret: rotated.secret }),
    );
  }

  @Post('clients/:client_id/delete')
  @UseGuards(CsrfGuard)
  async delete(@Param('client_id') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    const client = await this.ownClientOrFail(user, clientId);
    await this.clients.delete(client.clientId, req.ip);
    reply.redirect('/console?done=deleted', 303);
  }

  /** "Authorized apps": withdraw consent and revoke this user's tokens for that client. */
  @Post('authorized-apps/:client_id/revoke')
  @UseGuards(CsrfGuard)
  async revoke(@Param('client_id') clientId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.signedIn(req, reply);
    if (!user) return;
    if (!(await this.consents.revoke(user.id, clientId, req.ip))) throw new NotFoundException('You have not authorized this app.');
    reply.redirect('/console?done=revoked', 303);
  }

  /** The signed-in user, or null after redirecting to the sign-in page (which comes back here). */
  private async signedIn(req: FastifyRequest, reply: FastifyReply): Promise<User | null> {
    const session = await this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    if (user) return user;
    const returnTo = req.method === 'GET' ? req.url : '/console';
    reply.redirect(`/login?return_to=${encodeURIComponent(returnTo)}`, 303);
    return null;
  }

  /** One of this user's clients; anyone else's (or none) is the same 404. */
  private async ownClientOrFail(user: User, clientId: string): Promise<Client> {
    const client = await this.clients.findByClientId(clientId);
    if (!client || client.userId !== user.id) throw new NotFoundException('This client does not exist, or it is not yours.');
    return client;
  }

  private sendForm(reply: FastifyReply, status: number, user: User, values: ClientFormValues, errors: Record<string, string>, clientId?: string): void {
    sendPage(reply, status, clientFormView({ csrfToken: reply.generateCsrf(), username: user.username, values, errors, clientId }));
  }
}
