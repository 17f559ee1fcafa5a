import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../common/crypto';
import { AuditService } from '../audit/audit.service';

const BEARER = /^Bearer +(\S+) *$/i;

/** Lets a request through only with `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // Admin answers carry client secrets and user data: no cache may keep them, refusals included.
    reply.header('Cache-Control', 'no-store');
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (match && safeEqual(match[1], this.config.adminApiKey)) return true;
    this.audit.record({ type: 'admin.authentication_failed', ip: request.ip, detail: { reason: match ? 'wrong key' : 'no key', method: request.method, route: request.routeOptions?.url ?? null } });
    // RFC 6750 §3: a refused bearer credential names its scheme, and says why when one was sent.
    reply.header('WWW-Authenticate', match ? 'Bearer realm="admin", error="invalid_token"' : 'Bearer realm="admin"');
    throw new UnauthorizedException(match ? 'invalid admin API key' : 'missing admin API key: send Authorization: Bearer <ADMIN_API_KEY>');
  }
}
