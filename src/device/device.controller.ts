import { Controller, Get, NotFoundException, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service';
import { ClientsService } from '../clients/clients.service';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DeviceCode } from '../device-codes/device-code.entity';
import { DeviceCodesService } from '../device-codes/device-codes.service';
import { ThrottleService } from '../throttle/throttle.service';
import { UsersService } from '../users/users.service';
import { CsrfGuard } from '../web/csrf.guard';
import { singleValued } from '../web/form-params';
import { PageExceptionFilter } from '../web/page-exception.filter';
import { SessionService } from '../web/session.service';
import { sendPage } from '../web/views/send-page';
import { waitText } from '../web/views/wait-text';
import { deviceConsentView, deviceDoneView, userCodeView } from './views/device.view';

/** Which device request this browser entered a valid code for (signed; lives as long as the code). */
const COOKIE = 'gh_user_code';
const CONFIRM = '/device/confirm';

/**
 * The verification page of the device grant (RFC 8628 §3.3): enter the user code, sign in, approve
 * or deny, and a page that says what happened. User codes are short, so wrong ones are throttled
 * per IP like passwords (§5.1); the page is CSRF-protected and never framed (§5.3: remote phishing
 * aside, a framed page would let another site click Allow).
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('device')
export class DeviceController {
  constructor(
    private readonly deviceCodes: DeviceCodesService,
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly throttle: ThrottleService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  @Get()
  form(@Query('user_code') userCode: unknown, @Res() reply: FastifyReply): void {
    this.enabledOrFail();
    const prefill = typeof userCode === 'string' ? userCode.slice(0, 16) : undefined;
    sendPage(reply, 200, userCodeView({ csrfToken: reply.generateCsrf(), userCode: prefill }));
  }

  @Post()
  @UseGuards(CsrfGuard)
  async enter(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.enabledOrFail();
    const body = singleValued(req.body);
    const userCode = body.user_code?.slice(0, 16);
    const again = (status: number, error: string) => sendPage(reply, status, userCodeView({ csrfToken: reply.generateCsrf(), userCode, error }));
    const attempt = await this.throttle.begin('user_code', null, req.ip);
    const locked = (retryAfter: number) => {
      reply.header('Retry-After', String(retryAfter));
      again(429, `Too many wrong codes. Try again in ${waitText(retryAfter)}.`);
    };
    // Locked: the code is not even looked up, so guessing on gains nothing.
    if (attempt.retryAfter > 0) return locked(attempt.retryAfter);
    const row = await this.deviceCodes.findPendingByUserCode(body.user_code);
    if (!row) {
      const retryAfter = await attempt.failed();
      if (retryAfter > 0) return locked(retryAfter);
      return again(400, 'That code is not valid or has expired. Check the code on your device.');
    }
    reply.setCookie(COOKIE, String(row.id), { ...this.sessions.cookieOptions(), maxAge: Math.max(1, row.expiresAt - this.clock.now()) });
    reply.redirect(CONFIRM, 303);
  }

  @Get('confirm')
  async confirm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.enabledOrFail();
    const row = await this.entered(req);
    if (!row) return sendPage(reply, 400, deviceDoneView('gone'));
    const session = await this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    if (!session || !user) {
      reply.redirect(`/login?return_to=${encodeURIComponent(CONFIRM)}`, 302);
      return;
    }
    const client = await this.clients.findByClientId(row.clientId);
    if (!client) return sendPage(reply, 400, deviceDoneView('gone'));
    sendPage(
      reply,
      200,
      deviceConsentView({
        csrfToken: reply.generateCsrf(),
        clientName: client.metadata.client_name,
        clientUri: client.metadata.client_uri,
        username: user.username,
        scopes: row.scope.split(' ').filter(Boolean),
      }),
    );
  }

  @Post('confirm')
  @UseGuards(CsrfGuard)
  async decide(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.enabledOrFail();
    const body = singleValued(req.body);
    const session = await this.sessions.read(req);
    const user = session && (await this.users.findById(session.userId));
    if (!session || !user) {
      reply.redirect(`/login?return_to=${encodeURIComponent(CONFIRM)}`, 302);
      return;
    }
    if (body.decision !== 'approve' && body.decision !== 'deny') return sendPage(reply, 400, deviceDoneView('gone'));
    const row = await this.entered(req);
    reply.clearCookie(COOKIE, this.sessions.cookieOptions());
    const client = row && (await this.clients.findByClientId(row.clientId));
    if (!row || !client) return sendPage(reply, 400, deviceDoneView('gone'));
    const name = client.metadata.client_name;
    if (body.decision === 'approve') {
      // One conditional UPDATE: of two answers to one code, only the first counts.
      if (!(await this.deviceCodes.approve(row, user.id, session.authTime))) return sendPage(reply, 400, deviceDoneView('gone'));
      this.audit.record({ type: 'device_code.approved', clientId: client.clientId, userId: user.id, ip: req.ip, detail: { scope: row.scope } });
      return sendPage(reply, 200, deviceDoneView('approved', name));
    }
    if (!(await this.deviceCodes.deny(row, user.id))) return sendPage(reply, 400, deviceDoneView('gone'));
    this.audit.record({ type: 'device_code.denied', clientId: client.clientId, userId: user.id, ip: req.ip });
    sendPage(reply, 200, deviceDoneView('denied', name));
  }

  /** The pending request this browser entered a valid code for, if it is still pending. */
  private async entered(req: FastifyRequest): Promise<DeviceCode | null> {
    const raw = req.cookies[COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    if (!unsigned?.valid || !unsigned.value || !/^\d{1,15}$/.test(unsigned.value)) return null;
    const row = await this.deviceCodes.findById(Number(unsigned.value));
    return row && row.status === 'pending' && !this.deviceCodes.isExpired(row) ? row : null;
  }

  private enabledOrFail(): void {
    if (!this.config.deviceGrantEnabled) throw new NotFoundException('the device authorization grant is turned off');
  }
}
