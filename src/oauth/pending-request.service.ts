import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, safeEqual } from '../common/crypto';
import { Clock } from '../common/clock';
import { AuthorizationRequest } from '../grants/grant';
import { SessionService } from '../web/session.service';

/** An authorization request waiting for the user's decision on the consent page. */
export interface PendingRequest {
  id: string;
  userId: number;
  authTime: number;
  expiresAt: number;
  request: AuthorizationRequest;
}

const COOKIE = 'gh_authz';
const LIFETIME = 600;

/**
 * Carries the pending request between the consent page and its POST in a signed cookie: it is
 * bound to the browser that started it, and any instance can finish what another began.
 */
@Injectable()
export class PendingRequestService {
  constructor(
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  save(reply: FastifyReply, userId: number, authTime: number, request: AuthorizationRequest): string {
    const pending: PendingRequest = { id: randomToken(16), userId, authTime, expiresAt: this.clock.now() + LIFETIME, request };
    reply.setCookie(COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...this.sessions.cookieOptions(), maxAge: LIFETIME });
    return pending.id;
  }

  /** The pending request with this id, if this browser holds it and it has not expired. */
  load(request: FastifyRequest, id: string | undefined): PendingRequest | null {
    const raw = request.cookies[COOKIE];
    if (!raw || !id) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    try {
      const pending = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as PendingRequest;
      if (!safeEqual(pending.id, id) || pending.expiresAt <= this.clock.now()) return null;
      return pending;
    } catch {
      return null;
    }
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(COOKIE, this.sessions.cookieOptions());
  }
}
