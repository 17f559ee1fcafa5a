import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildRedirect } from '../grants/redirect-uri';
import { UsersService } from '../users/users.service';
import { CsrfGuard } from '../web/csrf.guard';
import { singleValued } from '../web/form-params';
import { PageExceptionFilter } from '../web/page-exception.filter';
import { SessionService } from '../web/session.service';
import { sendPage } from '../web/views/send-page';
import { EndSessionRequest, EndSessionService } from './end-session.service';
import { logoutConfirmView, signedOutView } from './views/logout.view';

/**
 * `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0): the relying party sends the
 * browser here by GET or form POST; a signed-in user confirms on a CSRF-protected page, the
 * session ends, and the browser goes back to the registered post_logout_redirect_uri with state;
 * but only when the request carried a valid id_token_hint. Without one, anyone could have crafted
 * the link (client_id and its registered URI are public), so the user stays here, signed out (§2:
 * the OP must not redirect to a target it has not confirmed).
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('oauth')
export class LogoutController {
  constructor(
    private readonly endSession: EndSessionService,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
  ) {}

  @Get('logout')
  async startGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(req, req.query, reply);
  }

  @Post('logout')
  async startPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.start(req, req.body, reply);
  }

  /** The confirmation form's answer. */
  @Post('logout/confirm')
  @UseGuards(CsrfGuard)
  async confirm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { _csrf, ...params } = singleValued(req.body);
    // Checked again: the client's registration may have changed since the page was shown.
    const request = await this.endSession.parse(params);
    await this.sessions.end(req, reply);
    this.finish(reply, request);
  }

  private async start(req: FastifyRequest, source: unknown, reply: FastifyReply): Promise<void> {
    const request = await this.endSession.parse(singleValued(source));
    const session = await this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    if (!user) {
      // Nobody is signed in here: nothing to confirm.
      await this.sessions.end(req, reply);
      this.finish(reply, request);
      return;
    }
    sendPage(
      reply,
      200,
      logoutConfirmView({
        csrfToken: reply.generateCsrf(),
        username: user.username,
        clientName: request.clientName,
        clientId: request.clientId,
        postLogoutRedirectUri: request.postLogoutRedirectUri,
        state: request.state,
        idTokenHint: request.idTokenHint,
      }),
    );
  }

  private finish(reply: FastifyReply, request: EndSessionRequest): void {
    if (request.postLogoutRedirectUri && request.hintSub !== undefined) {
      reply.header('Cache-Control', 'no-store').redirect(buildRedirect(request.postLogoutRedirectUri, 'query', { state: request.state }), 302);
      return;
    }
    sendPage(reply, 200, signedOutView());
  }
}
