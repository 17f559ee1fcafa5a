import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PendingRequest as StoredRequest, PendingRequestsService } from '../authorization-requests/pending-requests.service';
import { AuthorizationRequest } from '../grants/grant';
import { SessionService } from '../web/session.service';

/** An authorization request waiting for the user's decision on the consent page. */
export type PendingRequest = StoredRequest<AuthorizationRequest>;

export const PENDING_REQUEST_COOKIE = 'gh_authz';
const COOKIE = PENDING_REQUEST_COOKIE;
const LIFETIME = 600;

/**
 * Carries the pending request between the consent page and its POST: the request itself is in the
 * database, the browser holds a signed cookie with a random key to it. So it is bound to the browser
 * that started it, any instance can finish what another began, and the cookie stays small whatever
 * the size of `state` and `redirect_uri`.
 */
@Injectable()
export class PendingRequestService {
  constructor(
    private readonly sessions: SessionService,
    private readonly pending: PendingRequestsService,
  ) {}

  async save(reply: FastifyReply, userId: number, authTime: number, request: AuthorizationRequest): Promise<string> {
    const { key, pending } = await this.pending.save(userId, authTime, request, LIFETIME);
    reply.setCookie(COOKIE, key, { ...this.sessions.cookieOptions(), maxAge: LIFETIME });
    return pending.id;
  }

  /** The pending request with this id, if this browser holds it and it has not expired. */
  async load(request: FastifyRequest, id: string | undefined): Promise<PendingRequest | null> {
    const key = this.key(request);
    if (!key || !id) return null;
    return this.pending.find<AuthorizationRequest>(key, id);
  }

  /** Forgets this browser's pending request: true only for the one submission that removed it. */
  async clear(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const key = this.key(request);
    reply.clearCookie(COOKIE, this.sessions.cookieOptions());
    return key ? this.pending.remove(key) : false;
  }

  private key(request: FastifyRequest): string | null {
    const raw = request.cookies[COOKIE];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value && /^[A-Za-z0-9_-]{43}$/.test(unsigned.value) ? unsigned.value : null;
  }
}
