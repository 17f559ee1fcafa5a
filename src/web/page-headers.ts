import Fastify, { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';

/**
 * The pages' Content-Security-Policy. Pages carry no script of their own and may not be framed
 * (RFC 6749 §10.13, RFC 9700 §4.16). A page that needs one script names it by its hash
 * (`script`, a `'sha256-…'` source). No page restricts form-action (helmet's default would be
 * `'self'`): the form_post page posts to the client's redirect URI, and a redirect answering that
 * POST is checked against form-action as well.
 */
export function contentSecurityPolicy(options: { script?: string } = {}): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    options.script ? `script-src ${options.script}` : "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** Headers of the probe's own answer, not helmet's. */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Helmet's header set for our options, asked of helmet once at start: it is the same on every
 * page, so there is no reason to rebuild it per request as the plugin does.
 */
export async function pageSecurityHeaders(options: { hsts: boolean }): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(fastifyHelmet, {
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
    hsts: options.hsts,
  });
  probe.get('/', (_request, reply) => reply.send(''));
  const res = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (!TRANSPORT_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
  }
  headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  return headers;
}

/**
 * The page security headers (helmet's set and the CSP) go on HTML answers only: framing, sniffing
 * and script policy mean something to a browser rendering a page, nothing to a JSON client of the
 * token, introspection or resource endpoints, which would pay for them on every call.
 */
export async function registerPageHeaders(fastify: FastifyInstance, options: { hsts: boolean }): Promise<void> {
  const { 'content-security-policy': csp, ...headers } = await pageSecurityHeaders(options);
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.headers(headers);
      // A page that set its own policy (the form_post answer: one hashed script) keeps it.
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', csp);
    }
    done(null, payload);
  });
}
