import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';

export interface SignInSession {
  userId: number;
  authTime: number;
}

const COOKIE = 'gh_session';

/**
 * The server's own sign-in session: a signed cookie (user id, sign-in time, expiry), so any
 * instance with the same COOKIE_SECRET can read it. HttpOnly, SameSite=Lax, Secure under https.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  read(request: FastifyRequest): SignInSession | null {
    const raw = request.cookies[COOKIE];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    const [userId, authTime, expiresAt] = unsigned.value.split('.').map(Number);
    if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(authTime) || !(expiresAt > this.clock.now())) return null;
    return { userId, authTime };
  }

  start(reply: FastifyReply, userId: number): SignInSession {
    const authTime = this.clock.now();
    reply.setCookie(COOKIE, `${userId}.${authTime}.${authTime + this.config.sessionTtl}`, {
      ...this.cookieOptions(),
      maxAge: this.config.sessionTtl,
    });
    return { userId, authTime };
  }

  end(reply: FastifyReply): void {
    reply.clearCookie(COOKIE, this.cookieOptions());
  }

  cookieOptions() {
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: this.config.secureCookies, signed: true };
  }
}
