import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import CSRF from '@fastify/csrf';
import '@fastify/csrf-protection'; // reply.generateCsrf()
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isFormEncoded } from './form-params';

export const CSRF_COOKIE = '_csrf';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const tokens = new CSRF({ userInfo: false });

/**
 * The CSRF secret of a signed-in browser: derived from its session id with COOKIE_SECRET. A secret
 * planted or minted before sign-in (double-submit cookies trust whatever secret the browser
 * holds) is not this one, so its tokens stop verifying the moment the user signs in.
 */
export function csrfSecretFor(sessionId: string, cookieSecret: string): string {
  return createHmac('sha256', cookieSecret).update(`csrf:${sessionId}`).digest('base64url');
}

/**
 * An onRequest hook: while the browser holds a session cookie, its `_csrf` cookie is the secret
 * derived from that session (restored when missing, e.g. after a browser restart, and replaced when
 * it is anything else), before any form is rendered or checked.
 */
export function bindCsrfSecretToSession(
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string | null,
  cookieSecret: string,
  cookieOptions: Record<string, unknown>,
): void {
  if (!sessionId) return;
  const wanted = csrfSecretFor(sessionId, cookieSecret);
  const raw = request.cookies[CSRF_COOKIE];
  const current = raw ? request.unsignCookie(raw) : undefined;
  if (current?.valid && current.value === wanted) return;
  request.cookies[CSRF_COOKIE] = reply.signCookie(wanted);
  reply.setCookie(CSRF_COOKIE, wanted, cookieOptions);
}

/**
 * Guards every page POST: the body must be an HTML form (415 otherwise: a JSON body is no form and
 * its fields need not be strings), and its `_csrf` field must match the secret cookie that
 * @fastify/csrf-protection's `reply.generateCsrf()` set when the form was rendered (403 otherwise).
 * The plugin's own `csrfProtection` hook answers by itself, which a Nest guard cannot compose with.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    verifyCsrf(context.switchToHttp().getRequest<FastifyRequest>());
    return true;
  }
}

/** The guard's check, for a handler that protects only some of its POSTs (throws 415 or 403). */
export function verifyCsrf(request: FastifyRequest): void {
  if (!isFormEncoded(request)) throw new HttpException(`the form must be sent as ${FORM_TYPE}`, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  const cookie = request.cookies[CSRF_COOKIE];
  const secret = cookie ? request.unsignCookie(cookie) : undefined;
  const body = request.body as Record<string, unknown> | undefined;
  const token = typeof body?._csrf === 'string' ? body._csrf : undefined;
  if (!secret?.valid || !secret.value || !token || !tokens.verify(secret.value, token)) {
    throw new HttpException('invalid or missing CSRF token; reload the page and try again', HttpStatus.FORBIDDEN);
  }
}
