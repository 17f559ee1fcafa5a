import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { SessionsService } from '../sessions/sessions.service';
import { CSRF_COOKIE, csrfSecretFor } from './csrf.guard';

export interface SignInSession {
  userId: number;
  authTime: number;
  /** The `user_session` row. */
  sessionId: number;
}

export const SESSION_COOKIE = 'gh_session';
const COOKIE = SESSION_COOKIE;

/** The random session id in the signed session cookie, or null (absent, forged, malformed). */
export function sessionCookieId(request: FastifyRequest): string | null {
  const raw = request.cookies[COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value && /^[A-Za-z0-9_-]{43}$/.test(unsigned.value) ? unsigned.value : null;
}

/**
 * The server's own sign-in session in the browser: a signed cookie holding a random session id
 * whose row (`user_session`) decides whether it still signs anyone in. Every instance reads the same
 * table, so any of them serves the session and a sign-out ends it everywhere. HttpOnly,
 * SameSite=Lax, Secure under an https issuer.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionsService,
  ) {}

  async read(request: FastifyRequest): Promise<SignInSession | null> {
    const id = this.cookieValue(request);
    if (!id) return null;
    const session = await this.sessions.findActive(id);
    return session ? { userId: session.userId, authTime: session.authTime, sessionId: session.id } : null;
  }

  /**
   * A new session with a new id (no fixation: whatever id the browser held before is ended), and a
   * new CSRF secret derived from it (see csrf.guard.ts), so a token minted before sign-in no longer
   * verifies.
   */
  async start(request: FastifyRequest, reply: FastifyReply, userId: number): Promise<SignInSession> {
    const previous = this.cookieValue(request);
    if (previous) await this.sessions.end(previous, request.ip, 'signed_in_again');
    const { id, session } = await this.sessions.start(userId, this.config.sessionTtl, {
      ip: request.ip,
      userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
    });
    reply.setCookie(COOKIE, id, { ...this.cookieOptions(), maxAge: this.config.sessionTtl });
    reply.setCookie(CSRF_COOKIE, csrfSecretFor(id, this.config.cookieSecret), this.cookieOptions());
    return { userId, authTime: session.authTime, sessionId: session.id };
  }

  /** Ends the session on the server (a copy of the cookie signs no one in) and drops both cookies. */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = this.cookieValue(request);
    if (id) await this.sessions.end(id, request.ip);
    reply.clearCookie(COOKIE, this.cookieOptions());
    reply.clearCookie(CSRF_COOKIE, this.cookieOptions());
  }

  cookieOptions() {
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: this.config.secureCookies, signed: true };
  }

  private cookieValue(request: FastifyRequest): string | null {
    return sessionCookieId(request);
  }
}
