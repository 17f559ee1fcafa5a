import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import CSRF from '@fastify/csrf';
import '@fastify/csrf-protection'; // reply.generateCsrf()
import type { FastifyRequest } from 'fastify';

export const CSRF_COOKIE = '_csrf';
const tokens = new CSRF({ userInfo: false });

/**
 * Checks the `_csrf` form field against the secret cookie that @fastify/csrf-protection's
 * `reply.generateCsrf()` set when the form was rendered (a 403 otherwise). The plugin's own
 * `csrfProtection` hook answers by itself, which a Nest guard cannot compose with.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    verifyCsrf(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}

/** The guard's check, for a handler that protects only some of its POSTs (throws 403). */
export function verifyCsrf(request: FastifyRequest): void {
  const cookie = request.cookies[CSRF_COOKIE];
  const secret = cookie ? request.unsignCookie(cookie) : undefined;
  const body = request.body as Record<string, unknown> | undefined;
  const token = typeof body?._csrf === 'string' ? body._csrf : undefined;
  if (!secret?.valid || !secret.value || !token || !tokens.verify(secret.value, token)) {
    throw new HttpException('invalid or missing CSRF token; reload the page and try again', HttpStatus.FORBIDDEN);
  }
}
