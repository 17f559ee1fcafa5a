import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../common/crypto';
import { AppConfig } from '../config/app-config';

export const DEVICE_COOKIE = 'gh_device';

/**
 * The known-device cookie (OWASP "Slow down online guessing attacks with device cookies"): set by
 * a successful sign-in, it names the account (its canonical username) and carries a random device
 * id, signed with COOKIE_SECRET (HMAC, @fastify/cookie) so it cannot be made up. While strangers
 * have the account locked, a sign-in that presents a valid one for the same account is held only
 * to this device's own failures (ThrottleService). One account per browser: signing in to another
 * replaces it.
 */
@Injectable()
export class DeviceCookie {
  constructor(private readonly config: AppConfig) {}

  /** The device id, when the request carries a valid device cookie for this account; else null. */
  read(request: FastifyRequest, account: string | null): string | null {
    const raw = request.cookies[DEVICE_COOKIE];
    if (!raw || !account) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(unsigned.value);
    if (!m || Buffer.from(m[1], 'base64url').toString('utf8') !== account) return null;
    return m[2];
  }

  /** After a successful sign-in: keeps this browser's device id for the account, or issues one; renews the lifetime. */
  issue(request: FastifyRequest, reply: FastifyReply, account: string): void {
    const device = this.read(request, account) ?? randomToken(16);
    reply.setCookie(DEVICE_COOKIE, `${Buffer.from(account, 'utf8').toString('base64url')}.${device}`, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.secureCookies,
      signed: true,
      maxAge: this.config.throttle.deviceCookieTtl,
    });
  }
}
