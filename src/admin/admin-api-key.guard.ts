import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../common/crypto';
import { AuditService } from '../audit/audit.service';
import { ThrottleAttempt, ThrottleService } from '../throttle/throttle.service';
import { ThrottleUnavailableError } from '../throttle/throttle-unavailable.error';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Lets a request through only with `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant
 * time. Wrong or missing keys are counted per client IP (IPv6 per /64) like failed passwords: past
 * THROTTLE_IP_FAILURES the address gets 429 with Retry-After, even with the right key, while the
 * right key from any other address still works.
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly throttle: ThrottleService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // Admin answers carry client secrets and user data: no cache may keep them, refusals included.
    reply.header('Cache-Control', 'no-store');
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    const attempt = await this.begin(request.ip);
    if (attempt && attempt.retryAfter > 0) throw tooMany(reply, attempt.retryAfter);
    if (match && safeEqual(match[1], this.config.adminApiKey)) return true;
    const retryAfter = attempt ? await attempt.failed().catch(() => 0) : 0;
    this.audit.record({ type: 'admin.authentication_failed', ip: request.ip, detail: { reason: match ? 'wrong key' : 'no key', method: request.method, route: request.routeOptions?.url ?? null } });
    // RFC 6750 §3: a refused bearer credential names its scheme, and says why when one was sent.
    reply.header('WWW-Authenticate', match ? 'Bearer realm="admin", error="invalid_token"' : 'Bearer realm="admin"');
    if (retryAfter > 0) throw tooMany(reply, retryAfter);
    throw new UnauthorizedException(match ? 'invalid admin API key' : 'missing admin API key: send Authorization: Bearer <ADMIN_API_KEY>');
  }

  /**
   * The address's attempt, or null when the counters are down (Redis): the operator must be able
   * to work through an outage, and a key of 16 or more characters does not fall to the few guesses
   * an outage lets through.
   */
  private async begin(ip: string): Promise<ThrottleAttempt | null> {
    try {
      return await this.throttle.begin('admin', null, ip);
    } catch (err) {
      if (err instanceof ThrottleUnavailableError) return null;
      throw err;
    }
  }
}

function tooMany(reply: FastifyReply, retryAfter: number): HttpException {
  reply.header('Retry-After', String(retryAfter));
  return new HttpException({ statusCode: 429, error: 'Too Many Requests', message: `too many failed admin API keys from this address; retry after ${retryAfter} seconds` }, HttpStatus.TOO_MANY_REQUESTS);
}
