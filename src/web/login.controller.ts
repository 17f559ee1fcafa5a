import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../common/html';
import { AppConfig } from '../config/app-config';
import { AuditService } from '../audit/audit.service';
import { ThrottleService } from '../throttle/throttle.service';
import { UsersService } from '../users/users.service';
import { usernameSubject } from '../users/username';
import { ClientsService } from '../clients/clients.service';
import { CsrfGuard } from './csrf.guard';
import { DeviceCookie } from './device-cookie';
import { singleValued } from './form-params';
import { PageExceptionFilter } from './page-exception.filter';
import { safeReturnTo } from './return-to';
import { SessionService } from './session.service';
import { layout } from './views/layout.view';
import { loginView } from './views/login.view';
import { sendPage } from './views/send-page';
import { waitText } from './views/wait-text';

/** The server's own sign-in session: /login, /logout, and a small home page. */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller()
export class LoginController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly devices: DeviceCookie,
    private readonly clients: ClientsService,
  ) {}

  /** The app asking, when the sign-in continues an authorization request: the page names it. */
  private async clientName(returnTo: string): Promise<string | undefined> {
    const url = new URL(returnTo, this.config.issuer);
    const clientId = url.pathname === '/oauth/authorize' ? url.searchParams.get('client_id') : null;
    return clientId ? (await this.clients.findByClientId(clientId.slice(0, 128)))?.metadata.client_name : undefined;
  }

  @Get('login')
  async form(@Query('return_to') returnTo: unknown, @Query('login_hint') loginHint: unknown, @Res() reply: FastifyReply): Promise<void> {
    // OpenID Connect login_hint pre-fills the username.
    const username = typeof loginHint === 'string' ? loginHint.slice(0, 64) : undefined;
    const safe = safeReturnTo(returnTo, this.config.issuer);
    sendPage(reply, 200, loginView({ csrfToken: reply.generateCsrf(), returnTo: safe, username, signupEnabled: this.config.signupEnabled, clientName: await this.clientName(safe) }));
  }

  @Post('login')
  @UseGuards(CsrfGuard)
  async login(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = singleValued(req.body);
    const returnTo = safeReturnTo(body.return_to, this.config.issuer);
    const again = async (status: number, error: string) =>
      sendPage(reply, status, loginView({ csrfToken: reply.generateCsrf(), returnTo, username: body.username, error, signupEnabled: this.config.signupEnabled, clientName: await this.clientName(returnTo) }));
    if (!body.username || !body.password) return again(401, 'Enter your username and password.');
    // Counters and the audit log know the account by its canonical name, whatever the spelling.
    const username = usernameSubject(body.username);
    // A browser that signed in to this account before is held only to its own failures.
    const device = this.devices.read(req, username);
    const attempt = await this.throttle.begin('password', username, req.ip, device);
    const lockedOut = (retryAfter: number) => {
      this.audit.record({ type: 'sign_in.locked_out', ip: req.ip, detail: { via: 'login', username, retry_after: retryAfter, known_device: device !== null } });
      reply.header('Retry-After', String(retryAfter));
      return again(429, `Too many failed sign-in attempts. Try again in ${waitText(retryAfter)}.`);
    };
    // Locked: the password is not even checked, so guessing on gains nothing.
    if (attempt.retryAfter > 0) return lockedOut(attempt.retryAfter);
    const user = await this.users.verifyPassword(body.username, body.password);
    if (!user) {
      const retryAfter = await attempt.failed();
      const known = await this.users.knows(body.username);
      this.audit.record({ type: 'sign_in.failed', ip: req.ip, detail: { via: 'login', username, ...(known ? {} : { unknown_username: true }) } });
      if (retryAfter > 0) return lockedOut(retryAfter);
      return again(401, 'Wrong username or password.');
    }
    await attempt.succeeded();
    this.audit.record({ type: 'sign_in.succeeded', userId: user.id, ip: req.ip, detail: { via: 'login', known_device: device !== null } });
    this.devices.issue(req, reply, user.usernameCanonical);
    await this.sessions.start(req, reply, user.id);
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
  async logout(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.sessions.end(req, reply);
    sendPage(reply, 200, layout('Signed out', html`<h1>You are signed out</h1><p><a href="/login">Sign in again</a></p>`));
  }

  @Get()
  async home(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.read(req);
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

