import { Controller, Get, NotFoundException, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CreateUserDto } from '../users/dto/user.dto';
import { AppConfig } from '../config/app-config';
import { CsrfGuard } from '../web/csrf.guard';
import { safeReturnTo } from '../web/return-to';
import { SessionService } from '../web/session.service';
import { sendPage } from '../web/views/send-page';
import { UsernameTakenError, UsersService } from '../users/users.service';
import { ThrottleService } from '../throttle/throttle.service';
import { waitText } from '../web/views/wait-text';
import { messageView } from './views/message.view';
import { formBody, one, validateAs } from './console-form';
import { ConsolePageFilter } from './console-page.filter';
import { signupView } from './views/signup.view';

/** Self-service accounts, off unless SIGNUP_ENABLED: then the admin API's user rules apply. */
@ApiExcludeController()
@UseFilters(ConsolePageFilter)
@Controller('signup')
export class SignupController {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleService,
  ) {}

  @Get()
  form(@Query('return_to') returnTo: unknown, @Res() reply: FastifyReply): void {
    this.enabledOrFail();
    sendPage(reply, 200, signupView({ csrfToken: reply.generateCsrf(), returnTo: this.returnTo(returnTo), values: { username: '', email: '' }, errors: {} }));
  }

  @Post()
  @UseGuards(CsrfGuard)
  async signup(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.enabledOrFail();
    const body = formBody(req);
    const values = { username: one(body, 'username').trim(), email: one(body, 'email').trim() };
    const returnTo = this.returnTo(one(body, 'return_to'));
    const plain = { username: values.username, password: one(body, 'password'), ...(values.email ? { email: values.email } : {}) };
    const { errors, value } = await validateAs(CreateUserDto, plain);
    const again = (fields: Record<string, string>) =>
      sendPage(reply, 400, signupView({ csrfToken: reply.generateCsrf(), returnTo, values, errors: fields }));
    if (Object.keys(errors).length) return again(errors);
    // "is already taken" stays (people need to know), so every answer that tells whether a
    // username exists, a new account included, counts against this IP like a failed sign-in.
    const attempt = await this.throttle.begin('signup', null, req.ip);
    const tooMany = (retryAfter: number) => {
      reply.header('Retry-After', String(retryAfter));
      sendPage(reply, 429, messageView('Too many attempts', `Too many sign-up attempts from your network. Try again in ${waitText(retryAfter)}.`));
    };
    if (attempt.retryAfter > 0) return tooMany(attempt.retryAfter);
    const retryAfter = await attempt.failed();
    try {
      const user = await this.users.create({ username: value.username, password: value.password, email: value.email ?? null }, req.ip);
      await this.sessions.start(req, reply, user.id);
      reply.redirect(returnTo, 303);
    } catch (err) {
      if (err instanceof UsernameTakenError) return retryAfter > 0 ? tooMany(retryAfter) : again({ username: 'is already taken' });
      throw err;
    }
  }

  private enabledOrFail(): void {
    if (!this.config.signupEnabled) throw new NotFoundException('There is no such page.');
  }

  private returnTo(value: unknown): string {
    const safe = safeReturnTo(value, this.config.issuer);
    return safe === '/' ? '/console' : safe;
  }
}
