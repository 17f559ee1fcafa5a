import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../common/html';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { CsrfGuard } from './csrf.guard';
import { singleValued } from './form-params';
import { PageExceptionFilter } from './page-exception.filter';
import { safeReturnTo } from './return-to';
import { SessionService } from './session.service';
import { layout } from './views/layout.view';
import { loginView } from './views/login.view';
import { sendPage } from './views/send-page';

/** The server's own sign-in session: /login, /logout, and a small home page. */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller()
export class LoginController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
  ) {}

  @Get('login')
  form(@Query('return_to') returnTo: unknown, @Query('login_hint') loginHint: unknown, @Res() reply: FastifyReply): void {
    // OpenID Connect login_hint pre-fills the username.
    const username = typeof loginHint === 'string' ? loginHint.slice(0, 64) : undefined;
    sendPage(reply, 200, loginView({ csrfToken: reply.generateCsrf(), returnTo: safeReturnTo(returnTo), username, signupEnabled: this.config.signupEnabled }));
  }

  @Post('login')
  @UseGuards(CsrfGuard)
  async login(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = singleValued(req.body);
    const returnTo = safeReturnTo(body.return_to);
    const user = body.username && body.password ? await this.users.verifyPassword(body.username, body.password) : null;
    if (!user) {
      const error = body.username && body.password ? 'Wrong username or password.' : 'Enter your username and password.';
      sendPage(reply, 401, loginView({ csrfToken: reply.generateCsrf(), returnTo, username: body.username, error, signupEnabled: this.config.signupEnabled }));
      return;
    }
    this.sessions.start(reply, user.id);
    reply.redirect(returnTo, 302);
  }

  @Get('logout')
  logoutForm(@Res() reply: FastifyReply): void {
    sendPage(
      reply,
      200,
      layout(
        'Sign out',
        html`<h1>Sign out</h1>
<form method="post" action="/logout">
  <input type="hidden" name="_csrf" value="${reply.generateCsrf()}">
  <button type="submit" class="primary">Sign out</button>
</form>`,
      ),
    );
  }

  @Post('logout')
  @UseGuards(CsrfGuard)
  logout(@Res() reply: FastifyReply): void {
    this.sessions.end(reply);
    sendPage(reply, 200, layout('Signed out', html`<h1>You are signed out</h1><p><a href="/login">Sign in again</a></p>`));
  }

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    if (!user) {
      reply.redirect('/login', 302);
      return;
    }
    sendPage(
      reply,
      200,
      layout(
        'Home',
        html`<h1>Signed in as ${user.username}</h1>
<p class="actions"><a class="button secondary" href="/logout">Sign out</a><a class="button primary" href="/console">Developer console</a></p>`,
        { signedInAs: user.username },
      ),
    );
  }
}
